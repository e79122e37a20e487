// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/RsaKey.h"
#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QVariantMap>
#include <optional>

namespace re6st {

// Network configuration sent by getNetworkConfig (registry-protocol.md §9).
// Decoded per §9.2: babel_hmac_* decrypted with the node key, keys listed
// under "" base64-decoded (QByteArray values), everything else as JSON values.
struct NetworkConfig final
{
    QVariantMap values;
    std::optional<quint64> versionCounter; // set when the version blob verified

    QByteArray version() const { return values.value(QStringLiteral("version")).toByteArray(); }
    QByteArray registryPrefix() const { return values.value(QStringLiteral("registry_prefix")).toByteArray(); }
    QList<qint64> crl() const;

    // `error` receives a one-line reason on failure.
    static std::optional<NetworkConfig> decode(const QByteArray &zlibBody,
                                               const crypto::RsaKey &nodeKey,
                                               const crypto::RsaKey &caPublicKey,
                                               QString *error = nullptr);
};

} // namespace re6st
