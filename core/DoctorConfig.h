// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st::doctor {

// The part of a node's options that `re6stctl doctor` needs (node-protocol.md §1.1),
// read from re6stnet.conf by re6stctl --local, or filled from NodeOptions by the daemon.
struct DoctorConfig final
{
    QString registry;
    QString country;                 // --country (re6st-conf writes it from --location)
    QString ca, cert, key;
    QString run = QStringLiteral("/var/run/re6stnet");
    QStringList interfaces;          // -i
    QList<QPair<int, QString>> pp;   // --pp as given (empty: the default)
    QStringList disableProto;        // as given (empty: the default udp, udp6)
    QString client;                  // --client
    std::optional<int> clientCount;  // unset: network parameter (10 by default)
    std::optional<int> maxClients;
    bool gateway = false;

    // Parses option-file text (one `name args…` per line, '#' comments, as §1.2);
    // relative paths are made relative to `baseDir`. Unknown options are ignored.
    // Nullopt + *error for a malformed line of an option doctor needs.
    static std::optional<DoctorConfig> parse(const QString &text, const QString &baseDir, QString *error);

    // Effective disabled protocols and server ports (§1.1 --pp, --disable-proto).
    QStringList effectiveDisabled() const;
    // (port, proto) of each OpenVPN server: the first --pp port of every protocol not
    // disabled; none in --client mode or with --max-clients 0.
    QList<QPair<int, QString>> serverPorts() const;
    // Interfaces given to babeld (§3.1, §4.2): -i ones, server taps, client taps.
    QStringList babelInterfaces(int defaultClientCount = 10) const;
};

} // namespace re6st::doctor
