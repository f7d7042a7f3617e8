# DSQ_ENABLE_VALGRIND: run the C unit tests and the dsq binary in the bats
# suite under valgrind --leak-check=full --error-exitcode=99.
AC_DEFUN([DSQ_ENABLE_VALGRIND], [
  AC_ARG_ENABLE([valgrind],
    [AS_HELP_STRING([--enable-valgrind], [run the test suite under valgrind])],
    [], [enable_valgrind=no])
  AS_IF([test "x$enable_valgrind" = xyes], [
    AC_PATH_PROG([VALGRIND], [valgrind], [])
    AS_IF([test -z "$VALGRIND"], [AC_MSG_ERROR([--enable-valgrind needs valgrind])])
  ])
  AM_CONDITIONAL([ENABLE_VALGRIND], [test "x$enable_valgrind" = xyes])
])
