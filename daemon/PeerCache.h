// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <memory>
#include <optional>
#include <utility>

namespace re6st::daemon {

// <state>/cache.db: known peers and the last network parameters
// (node-protocol.md §7.1–7.3), schema-compatible with upstream.
class PeerCache final
{
public:
    static constexpr int kMaxPeers = 200;
    static const char *const kPeerTableSql;   // exact CREATE texts of §7.1
    static const char *const kConfigTableSql;

    // Creates the tables if missing; a file whose tables differ (or is not
    // SQLite) is renamed <path>.bak and replaced. `ownPrefix` (bits) is never listed.
    // Rows are brought to the form addPeer stores (bounded, well-formed entries).
    static std::unique_ptr<PeerCache> open(const QString &path, const QByteArray &ownPrefix, QString *error);
    ~PeerCache();
    Q_DISABLE_COPY_MOVE(PeerCache)

    // Peers: `address` = "ip,port,proto[,CC];..." ordered by preference. Only its
    // well-formed entries are stored (PeerAddress::parseUntrusted); none: false, no change.
    bool addPeer(const QByteArray &prefix, const QString &address, bool setPreferred = false);
    void connecting(const QByteArray &prefix, int tryValue);
    std::optional<QString> getAddress(const QByteArray &prefix) const; // only if try = 0
    QList<std::pair<QByteArray, QString>> getPeerList(int failed) const; // random order
    int peerCount() const; // without our own row
    void keepPeers(int count); // at exit: keep `count` peers (try, then random)
    QString ownAddress() const; // row prefix '' (our advertised addresses)
    void setOwnAddress(const QString &address);

    // Network parameters. storeConfig replaces the whole table in one
    // transaction (lists/maps under "<key>:json", QByteArray as BLOB) and
    // returns the changed keys (removed + new/changed), or nullopt on failure.
    QVariantMap loadConfig() const; // "<key>:json" decoded back to <key>; valid_until loaded
    std::optional<QStringList> storeConfig(const QVariantMap &config);
    QSet<qint64> crl() const; // `crl:json`, or legacy `crl`

    QString connectionName() const { return m_connection; }
    QString lastError() const { return m_error; }

private:
    PeerCache(QString connection, QByteArray ownPrefix);
    bool exec(const QString &sql, const QVariantList &bind = {}) const;
    void normaliseAddresses(); // at open: every row as addPeer would store it

    QString m_connection;
    QByteArray m_ownPrefix;
    mutable QString m_error;
};

} // namespace re6st::daemon
