// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/RsaKey.h"
#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st::registry {

// Options that go into the network configuration (registry-protocol.md §9.1).
struct NetworkConfigOptions
{
    int hello = 15;
    bool encrypt = false;
    int clientCount = 10;
    int maxClients = 20;      // caller applies the 2 x client_count default
    int tunnelRefresh = 300;
    int minProtocol = 1;
    int protocol = 10;        // version.protocol
    QString ipv4;             // "a.b.c.d/N" already normalised; empty = unset
    int ipv4Sublen = 0;       // used only when ipv4 is set
    QStringList sameCountry;  // empty = key absent
};

// Babel HMAC keys babel_hmac0/1/2 (§9.5): nullopt = row absent (NULL in the
// state table), an empty QByteArray = the stored empty BLOB.
struct BabelHmacKeys
{
    std::optional<QByteArray> h0, h1, h2;
    bool operator==(const BabelHmacKeys &) const = default;
    // sign = first present of h0,h1,h2; accept = the next present one.
    std::optional<QByteArray> sign() const;
    std::optional<QByteArray> accept() const;
};

// Pure builders for the network configuration; no I/O (§9.1, §9.3, §9.5).
class NetworkConfigBuilder final
{
public:
    static constexpr const char *BabelDefault = "max-rtt-penalty 5000 rtt-max 500 rtt-decay 125";
    static constexpr double HmacTemporaryValidity = 3600; // NETCONF_TEMP

    // The "static" dict of §9.3 (no "", version, valid_until, babel_hmac_*).
    static QJsonObject staticConfig(const NetworkConfigOptions &options,
                                    const QByteArray &registryPrefix, const QList<qint64> &crl);
    // config `last_config`: Python json.dumps(static, sort_keys=True) (§9.3).
    static QByteArray lastConfigText(const QJsonObject &staticConfig);

    // JSON text (before zlib) of getNetworkConfig for one node (§9.1), keys in
    // upstream insertion order: static keys, "": ["version"], version (base64),
    // valid_until (if set), babel_hmac_sign / babel_hmac_accept (RSA-encrypted
    // to `nodeKey`, base64; an empty stored key gives ""). Nullopt + *error if
    // RSA encryption fails.
    static std::optional<QByteArray> clientConfigJson(const QJsonObject &staticConfig,
                                                      const QByteArray &versionBlob,
                                                      std::optional<double> validUntil,
                                                      const BabelHmacKeys &keys,
                                                      const crypto::RsaKey &nodeKey,
                                                      QString *error);

    // One updateHMAC() step (§9.5). `newKey` = 16 fresh random bytes, used
    // only if the step needs a new key. Caller bumps the version afterwards.
    struct HmacRotation
    {
        BabelHmacKeys keys;
        std::optional<double> validUntil; // nullopt = remove config valid_until
    };
    static HmacRotation rotateHmac(const BabelHmacKeys &current, double now,
                                   const QByteArray &newKey);
};

} // namespace re6st::registry
