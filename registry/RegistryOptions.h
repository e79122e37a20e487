// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st::registry {

// re6st-registry command line, registry-protocol.md §13 (+ the man page's
// --private, accepted and ignored).
struct RegistryOptions final
{
    int port = 80;
    QString bind4 = QStringLiteral("0.0.0.0"); // -4, empty disables IPv4
    QString bind6 = QStringLiteral("::");      // -6, empty disables IPv6
    QString db = QStringLiteral("/var/lib/re6stnet/registry.db");
    QString dh;  // optional here (upstream: required); without it getDh serves RFC 7919 ffdhe2048
    QString ca;  // required
    QString key; // required
    QString mailhost;
    QString smtpUser;
    QString smtpPwd;
    bool smtpStarttls = false;
    int prefixLength = 16;
    int anonymousPrefixLength = 0; // 0 (or unset, R§13) = anonymous registration disabled
    QString ipv4;                  // normalised "a.b.c.d/N", empty = unset
    int ipv4Sublen = 0;
    QString logfile = QStringLiteral("/var/log/re6stnet/registry.log");
    QString run = QStringLiteral("/var/run/re6stnet");
    int verbose = 1;
    int minProtocol = 1;
    QStringList authorizedOrigins{QStringLiteral("127.0.0.1"), QStringLiteral("::1")};
    QString community;
    qint64 gracePeriod = 8640000;
    int hello = 15;
    bool encrypt = false;
    int clientCount = 10;
    int maxClients = 20; // 2 x client-count unless given
    int tunnelRefresh = 300;
    QStringList sameCountry;
    QString privateAddress; // --private: historical, ignored (§10)
    QString metrics;        // --metrics ADDR:PORT (re6st-qt, loopback only), empty = off

    struct Result;
    // `args` without the program name, @files already expanded.
    static Result parse(const QStringList &args);
    static bool isOptionString(const QString &option); // for OptionFile
    // Usage error (exit 2) when --prefix-length or --anonymous-prefix-length does not
    // fit in the network (the CA's, `networkBits` long), else a null string.
    QString checkPrefixLengths(int networkBits) const;
    static QString usage();
    static QString helpText();
};

struct RegistryOptions::Result
{
    std::optional<RegistryOptions> options;
    QString error; // usage error (exit 2) when options is empty and !help
    bool help = false;
};

} // namespace re6st::registry
