// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/DoctorConfig.h"
#include "core/DoctorFacts.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <optional>

namespace re6st::platform {

// Gathers the facts of `re6stctl doctor` (core/DoctorChecks judges them): reads
// /proc/sys, runs `ip`, `nft -j list ruleset`, `ip6tables-save`, `iptables-save`,
// `openvpn --version`, `babeld -V` (each bounded by a timeout), reads the node
// certificate and, when asked, GETs <registry>/getCa. Blocking: the daemon runs it
// in a worker thread. What needs root is "skipped" with the reason when not root.
class DoctorProbe final
{
public:
    struct Input
    {
        doctor::DoctorConfig config;
        int defaultClientCount = 10;
        bool nodeRunning = false;
        // registry: known reachability (the daemon's), or probe it (probeRegistry)
        std::optional<bool> registryReachable;
        QString registryDetail;
        bool probeRegistry = false;
        // networkmanager: org.re6st.HostNetwork1 (nullopt + reason: not available)
        std::optional<bool> networkManager;
        std::optional<QList<QVariantMap>> conflicts;
        QString networkManagerSkip;
        // test hooks
        QString procSys = QStringLiteral("/proc/sys");
        int timeoutMs = 5000;
    };

    static doctor::DoctorFacts gather(const Input &input);

    struct Run
    {
        bool started = false; // false: not installed (or not executable)
        bool finished = false; // false: timed out (killed)
        int exitCode = -1;
        QByteArray out;       // stdout
        QByteArray err;       // stderr
    };
    static Run run(const QString &program, const QStringList &args, int timeoutMs);

    // GET <url>/getCa (public, registry-protocol.md §6.1): true on HTTP 200.
    static bool registryAnswers(const QString &url, int timeoutMs, QString *error);
    static bool isRoot();
};

} // namespace re6st::platform
