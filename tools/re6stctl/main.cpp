// SPDX-License-Identifier: GPL-2.0-or-later
// re6stctl: the command-line client of the re6stnet daemon's D-Bus API
// (dbus/org.re6st.Node1.xml, dbus/org.re6st.Enrollment1.xml; issue 4 §3).
#include "CtlApplication.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("re6stctl"));
    QTextStream in(stdin);
    QTextStream out(stdout);
    QTextStream err(stderr);
    re6st::ctl::CtlApplication ctl(in, out, err);
    QStringList arguments = QCoreApplication::arguments();
    arguments.removeFirst();
    return int(ctl.run(arguments));
}
