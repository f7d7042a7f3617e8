# DSQ_WITH_SLURM: optional libslurm.  Debian ships no slurm.pc, so look for the
# header and the library directly.  --without-slurm builds a laptop-only dsq.
AC_DEFUN([DSQ_WITH_SLURM], [
  AC_ARG_WITH([slurm],
    [AS_HELP_STRING([--with-slurm@<:@=PREFIX@:>@],
      [use libslurm to read array limits and job state (default: if found)])],
    [], [with_slurm=check])
  dsq_have_slurm=no
  SLURM_CFLAGS=
  SLURM_LIBS=
  AS_IF([test "x$with_slurm" != xno], [
    dsq_save_CPPFLAGS=$CPPFLAGS
    dsq_save_LIBS=$LIBS
    AS_IF([test "x$with_slurm" != xyes && test "x$with_slurm" != xcheck], [
      SLURM_CFLAGS="-I$with_slurm/include"
      SLURM_LIBS="-L$with_slurm/lib"
    ])
    CPPFLAGS="$CPPFLAGS $SLURM_CFLAGS"
    LIBS="$LIBS $SLURM_LIBS"
    AC_CHECK_HEADER([slurm/slurm.h], [
      AC_CHECK_LIB([slurm], [slurm_load_ctl_conf], [
        dsq_have_slurm=yes
        SLURM_LIBS="$SLURM_LIBS -lslurm"
      ])
    ])
    CPPFLAGS=$dsq_save_CPPFLAGS
    LIBS=$dsq_save_LIBS
    AS_IF([test "x$dsq_have_slurm" = xno && test "x$with_slurm" != xcheck],
      [AC_MSG_ERROR([--with-slurm given but libslurm was not found])])
  ])
  AS_IF([test "x$dsq_have_slurm" = xyes],
    [AC_DEFINE([HAVE_SLURM], [1], [Define if libslurm is used])])
  AC_SUBST([SLURM_CFLAGS])
  AC_SUBST([SLURM_LIBS])
  AM_CONDITIONAL([HAVE_SLURM], [test "x$dsq_have_slurm" = xyes])
])
