// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/Enrollment.h"

#include <QString>
#include <QStringList>

namespace re6st::conf {

// re6st-conf options, argparse style (registry-protocol.md §14.1): long options
// accept "--opt VALUE", "--opt=VALUE" and unambiguous prefixes; -d takes "-dDIR".
class ConfCommandLine final
{
public:
    static ConfCommandLine parse(const QStringList &arguments); // without argv[0]

    static QString usage();    // "usage: re6st-conf ..." line(s)
    static QString helpText(); // full --help output

    bool help = false;
    bool isNeeded = false;
    QString error; // usage error message (exit 2), empty if none
    Enrollment::Options options;
};

} // namespace re6st::conf
