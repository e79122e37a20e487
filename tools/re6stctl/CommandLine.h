// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>
#include <QStringList>

namespace re6st::ctl {

// re6stctl's command line: `re6stctl [--json] COMMAND [ARGS] [OPTIONS]`. Pure parsing,
// no bus: tests/unit/tst_re6stctlcommandline checks it.
class CommandLine final
{
public:
    enum class Command {
        None, Status, Peers, Tunnels, Routes, Neighbours, NeighbourAdd, NeighbourDel,
        TunnelKill, Start, Stop, Reload, Enroll, Doctor,
    };

    static CommandLine parse(const QStringList &arguments); // without argv[0]

    static QString usage();                         // short usage, for usage errors
    static QString helpText();                      // `re6stctl --help`
    static QString commandHelp(Command command);    // `re6stctl COMMAND --help`
    static QString commandName(Command command);    // "neighbour add", ...

    // True for commands that only read state (--json prints their result).
    static bool isQuery(Command command);

    // "sha256:HEX" with lower-case hex (colons and case of the input ignored); empty
    // when `text` is not a SHA-256 fingerprint.
    static QString normalizeFingerprint(const QString &text);

    Command command = Command::None;
    bool json = false;
    bool help = false;      // print helpText() (or commandHelp(command) if command set)
    bool version = false;
    bool askPassword = true; // false: --no-ask-password (no polkit prompt at all)
    QString argument;       // PREFIX, IFACE|PREFIX or REGISTRY_URL
    // enroll options
    QString email;
    QString token;
    QString fingerprint;    // as given; see EnrollmentText::normalizeFingerprint
    bool anonymous = false;
    bool replace = false;
    // doctor options
    bool local = false;     // --local: run the checks here, not in the daemon
    QString config;         // --config FILE (default /etc/re6stnet/re6stnet.conf)

    QString error;          // usage error (exit 2), empty if none
};

} // namespace re6st::ctl
