dnl DSQ_WITH_MODULEFILES: where make install puts the Lmod modulefile
dnl dsq/<version>.lua (--with-modulefiles=DIR, default DATADIR/modulefiles;
dnl --without-modulefiles: none).  Sets MODULEFILESDIR and INSTALL_MODULEFILE.
AC_DEFUN([DSQ_WITH_MODULEFILES], [
AC_ARG_WITH([modulefiles],
    [AS_HELP_STRING([--with-modulefiles=DIR],
        [install the Lmod modulefile dsq/VERSION.lua under DIR @<:@DATADIR/modulefiles@:>@;
         --without-modulefiles installs none])],
    [], [with_modulefiles=yes])
AS_CASE([$with_modulefiles],
    [yes|""], [MODULEFILESDIR='${datadir}/modulefiles'],
    [no], [MODULEFILESDIR=],
    [/*], [MODULEFILESDIR=$with_modulefiles],
    [AC_MSG_ERROR([--with-modulefiles needs an absolute directory, not '$with_modulefiles'])])
AC_SUBST([MODULEFILESDIR])
AM_CONDITIONAL([INSTALL_MODULEFILE], [test "x$with_modulefiles" != xno])
])
