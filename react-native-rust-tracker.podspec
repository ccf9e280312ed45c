# iOS pod of react-native-rust-tracker: a thin TurboModule (ios/RustTracker.mm and
# ios/RustTrackerImpl.swift) that passes every call through to the Rust core,
# which decides everything.
#
# Three inputs are build outputs of the Rust workspace, written by the
# repository's build script and never committed (see .gitignore):
#   - ios/TrackerFFI.xcframework: the static library libtracker_ffi.a (crate
#     tracker-ffi) for each Apple slice. It carries the library only, no Headers.
#   - ios/Generated/TrackerFFI.swift: the UniFFI Swift bindings, compiled into this
#     pod's own module (react_native_rust_tracker) by source_files.
#   - ios/Generated/TrackerFFIFFI.h and ios/Generated/module.modulemap (the
#     generated TrackerFFIFFI.modulemap under that name): the C module
#     TrackerFFIFFI that TrackerFFI.swift imports. SWIFT_INCLUDE_PATHS points Swift
#     at it; the header is kept out of source_files so that it does not also
#     become a header of this pod's own module.

require "json"

package = JSON.parse(File.read(File.join(__dir__, "package.json")))
repository = package["repository"]
repository = repository["url"] if repository.is_a?(Hash)

Pod::Spec.new do |s|
  s.name         = package["name"]
  s.version      = package["version"]
  s.summary      = package["description"] || "Analytics tracker for React Native with a Rust core"
  s.homepage     = package["homepage"] || repository.to_s
  s.license      = package["license"]
  s.authors      = package["author"] || "react-native-rust-tracker contributors"
  s.platforms    = { :ios => "15.1" }
  s.source       = { :git => repository.to_s, :tag => s.version.to_s }

  s.source_files        = "ios/**/*.{h,m,mm,swift}"
  s.exclude_files       = "ios/Generated/**/*.h"
  s.preserve_paths      = "ios/Generated/**/*"
  s.vendored_frameworks = "ios/TrackerFFI.xcframework"
  s.swift_version       = "5.9"

  s.pod_target_xcconfig = {
    "DEFINES_MODULE" => "YES",
    "SWIFT_INCLUDE_PATHS" => "$(inherited) \"$(PODS_TARGET_SRCROOT)/ios/Generated\"",
  }

  # React Native 0.76's helper adds React-Core, the codegen output and the New
  # Architecture flags, keeping the pod_target_xcconfig above (so it comes last).
  if respond_to?(:install_modules_dependencies, true)
    install_modules_dependencies(s)
  else
    s.dependency "React-Core"
  end
end
