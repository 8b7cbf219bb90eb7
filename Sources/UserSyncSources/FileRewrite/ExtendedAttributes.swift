#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `getxattr(2)` and `fsetxattr(2)`, which the Glibc module does not import
/// (`<sys/xattr.h>`), looked up in the C library at run time. Nil where they do not exist.
struct ExtendedAttributes: @unchecked Sendable {
    typealias Get = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    typealias FSet = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32

    let get: Get
    let fset: FSet

    static let shared: ExtendedAttributes? = {
        #if os(Linux)
        guard let handle = dlopen(nil, RTLD_NOW),
              let get = dlsym(handle, "getxattr"),
              let fset = dlsym(handle, "fsetxattr")
        else { return nil }
        return ExtendedAttributes(get: unsafeBitCast(get, to: Get.self), fset: unsafeBitCast(fset, to: FSet.self))
        #else
        return nil
        #endif
    }()
}
