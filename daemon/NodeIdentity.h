// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include <QByteArray>
#include <QString>
#include <optional>

namespace re6st::daemon {

// Who this node is, from --ca/--cert/--key (node-protocol.md §2.1–2.3).
struct NodeIdentity final
{
    crypto::Certificate ca;
    crypto::Certificate cert;
    crypto::RsaKey key;
    QByteArray network;   // bits, from the CA serial (§2.1)
    QByteArray prefix;    // bits, from our CN (§2.2)
    QString ip;           // e.g. 2001:db8:42:1::1
    QString subnet;       // e.g. 2001:db8:42:1::/64
    QString networkCidr;  // e.g. 2001:db8:42::/48
    bool certificateExpired = false; // accepted (§2.3: kept so it can be renewed)
    QString warning;      // set when certificateExpired

    QByteArray subnetBits() const { return network + prefix; }

    struct Result;
    // `now` in Unix seconds (injected for tests).
    static Result fromPem(const QByteArray &caPem, const QByteArray &certPem, const QByteArray &keyPem,
                          qint64 now);
    static Result load(const QString &caPath, const QString &certPath, const QString &keyPath, qint64 now);
};

struct NodeIdentity::Result
{
    std::optional<NodeIdentity> identity;
    QString error; // what is wrong and what to do
};

} // namespace re6st::daemon
