/* Every build knob of the runtime, each with its default. Override with
 * -DWP_X=value. */
#ifndef WP_CONFIG_H
#define WP_CONFIG_H

/* Dispatch by computed goto where the compiler supports it (GCC, Clang);
 * a plain switch otherwise. */
#ifndef WP_USE_COMPUTED_GOTO
#  if defined(__GNUC__)
#    define WP_USE_COMPUTED_GOTO 1
#  else
#    define WP_USE_COMPUTED_GOTO 0
#  endif
#endif

/* Most constants a function keeps in its frame (code.h, const_pool): the
 * most used ones are copied into the frame at each call, so that
 * instructions read them as slots; the others are written by an
 * instruction where they are used. 0 turns the pool off. */
#ifndef WP_CONST_POOL_SLOTS
#define WP_CONST_POOL_SLOTS 32u
#endif

/* Value stack of an instance, in 8-byte slots (8 MiB of reserve by default;
 * pages are only touched as the stack is used). */
#ifndef WP_DEFAULT_STACK_SLOTS
#define WP_DEFAULT_STACK_SLOTS (1u << 20)
#endif

/* Nesting of wasm calls before "call stack exhausted". */
#ifndef WP_DEFAULT_MAX_CALL_DEPTH
#define WP_DEFAULT_MAX_CALL_DEPTH 10000u
#endif

/* Nesting of host -> guest re-entries (a host function calling back into
 * the guest) before "call stack exhausted": each one costs C stack. */
#ifndef WP_MAX_REENTRY_DEPTH
#define WP_MAX_REENTRY_DEPTH 1000u
#endif

/* Tier auto: how long a module runs on the interpreter before its
 * background JIT compile starts (wp_module_wait_tier starts it at once). A
 * module destroyed sooner (a short command, a test) costs no compile. */
#ifndef WP_AUTO_COMPILE_DELAY_MS
#define WP_AUTO_COMPILE_DELAY_MS 20u
#endif

/* Cap on any memory, in 64 KiB pages (65536 = 4 GiB, the wasm32 limit). */
#ifndef WP_DEFAULT_MAX_MEMORY_PAGES
#define WP_DEFAULT_MAX_MEMORY_PAGES 65536u
#endif

/* Largest table the engine will allocate, in entries. */
#ifndef WP_MAX_TABLE_ENTRIES
#define WP_MAX_TABLE_ENTRIES 10000000u
#endif

/* Hostile-input limits of the decoder (counts beyond these are refused
 * before anything is allocated for them). */
#ifndef WP_MAX_FUNCTION_LOCALS
#define WP_MAX_FUNCTION_LOCALS 50000u
#endif
#ifndef WP_MAX_FUNCTION_PARAMS
#define WP_MAX_FUNCTION_PARAMS 1000u
#endif

#endif
