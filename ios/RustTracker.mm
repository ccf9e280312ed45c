// Registration of the TurboModule "RustTracker" on iOS: a pass-through.
//
// This file only conforms to the codegen protocol (from package.json's
// codegenConfig "RNRustTrackerSpec") and hands every call, unchanged, to
// RustTrackerImpl (RustTrackerImpl.swift), which forwards it to the Rust core.
// The core validates, fills in defaults and decides; nothing is done here.
// React Native calls these methods one after another on the module's serial
// method queue, and each hands its call to the core before returning, so
// calls keep the order JavaScript made them in. The surface is fixed: tracker
// methods arrive by name through callTracker.
//
// The methods are declared with RCT_EXPORT_METHOD so that the module also
// answers through the legacy bridge; under the New Architecture the same
// methods are called through the codegen protocol. The first parameter is named
// `trackerNamespace` because `namespace` is a C++ keyword and this file is
// Objective-C++ (a parameter name is not part of the selector).

#import <Foundation/Foundation.h>
#import <React/RCTBridgeModule.h>

#ifdef RCT_NEW_ARCH_ENABLED
#import "RNRustTrackerSpec/RNRustTrackerSpec.h"
#endif

// The header Swift generates for this pod's module (react_native_rust_tracker,
// derived by CocoaPods from the pod name), under use_frameworks! or without.
#if __has_include(<react_native_rust_tracker/react_native_rust_tracker-Swift.h>)
#import <react_native_rust_tracker/react_native_rust_tracker-Swift.h>
#else
#import "react_native_rust_tracker-Swift.h"
#endif

#ifdef RCT_NEW_ARCH_ENABLED
@interface RustTracker : NSObject <NativeRustTrackerSpec>
#else
@interface RustTracker : NSObject <RCTBridgeModule>
#endif
@end

@implementation RustTracker {
  RustTrackerImpl *_impl;
}

RCT_EXPORT_MODULE(RustTracker)

+ (BOOL)requiresMainQueueSetup
{
  return NO;
}

- (instancetype)init
{
  if (self = [super init]) {
    _impl = [RustTrackerImpl new];
  }
  return self;
}

RCT_EXPORT_METHOD(createTracker:(NSString *)trackerNamespace
                  configJson:(NSString *)configJson
                  resolve:(RCTPromiseResolveBlock)resolve
                  reject:(RCTPromiseRejectBlock)reject)
{
  [_impl createTracker:trackerNamespace configJson:configJson resolve:resolve reject:reject];
}

RCT_EXPORT_METHOD(callTracker:(NSString *)trackerNamespace
                  method:(NSString *)method
                  argsJson:(NSString *)argsJson
                  resolve:(RCTPromiseResolveBlock)resolve
                  reject:(RCTPromiseRejectBlock)reject)
{
  [_impl callTracker:trackerNamespace method:method argsJson:argsJson resolve:resolve reject:reject];
}

RCT_EXPORT_METHOD(removeTracker:(NSString *)trackerNamespace
                  resolve:(RCTPromiseResolveBlock)resolve
                  reject:(RCTPromiseRejectBlock)reject)
{
  [_impl removeTracker:trackerNamespace resolve:resolve reject:reject];
}

RCT_EXPORT_METHOD(removeAllTrackers:(RCTPromiseResolveBlock)resolve
                  reject:(RCTPromiseRejectBlock)reject)
{
  [_impl removeAllTrackers:resolve reject:reject];
}

RCT_EXPORT_METHOD(setAppState:(NSString *)state
                  resolve:(RCTPromiseResolveBlock)resolve
                  reject:(RCTPromiseRejectBlock)reject)
{
  [_impl setAppState:state resolve:resolve reject:reject];
}

#ifdef RCT_NEW_ARCH_ENABLED
- (std::shared_ptr<facebook::react::TurboModule>)getTurboModule:
    (const facebook::react::ObjCTurboModule::InitParams &)params
{
  return std::make_shared<facebook::react::NativeRustTrackerSpecJSI>(params);
}
#endif

@end
