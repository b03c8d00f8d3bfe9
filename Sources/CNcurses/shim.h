#ifndef CNCURSES_SHIM_H
#define CNCURSES_SHIM_H
/* Wide-character ncurses. The defines must come before any include: they expose cchar_t,
   add_wch and WACS_*. SwiftPM drops pkg-config's cflags for system targets, so they live here. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

/* Macros and globals Swift cannot import (or flags as not concurrency-safe). */
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int cn_a_bold(void) { return (int)A_BOLD; }
static inline int cn_a_reverse(void) { return (int)A_REVERSE; }
static inline int cn_a_dim(void) { return (int)A_DIM; }
static inline int cn_a_underline(void) { return (int)A_UNDERLINE; }
static inline void cn_getmaxyx(WINDOW *w, int *y, int *x) { getmaxyx(w, *y, *x); }
static inline int cn_key_f(int n) { return KEY_F(n); }
static inline SCREEN *cn_newterm(const char *term) { return newterm(term, stdout, stdin); }
/* Added for the console backend. */
static inline int cn_key_code_yes(void) { return KEY_CODE_YES; }
/* Codeset after setlocale: "UTF-8" when multibyte text will be decoded correctly. */
static inline const char *cn_codeset(void) { return nl_langinfo(CODESET); }
static inline int cn_attrset(int attrs) { return wattrset(stdscr, attrs); }
/* 1 when terminfo knows `term`. Checked quietly (setupterm with an error pointer prints
   nothing) before newterm, so the console prints one clear line of its own instead. */
static inline int cn_term_known(const char *term) {
    int status = 0;
    if (setupterm((char *)term, 1, &status) != OK) return 0;
    del_curterm(cur_term);
    return 1;
}
#endif
