#pragma once

// SLUICE_ASAN is 1 under AddressSanitizer (gcc or clang), which reserves
// terabytes of address space: no RLIMIT_AS may be set then.
#if defined(__SANITIZE_ADDRESS__)
#define SLUICE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLUICE_ASAN 1
#endif
#endif
#ifndef SLUICE_ASAN
#define SLUICE_ASAN 0
#endif
