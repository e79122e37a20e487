// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHash>
#include <QList>
#include <functional>
#include <optional>

namespace re6st::registry {

// In-memory hello sessions and the HMAC ratchet, server side
// (registry-protocol.md §5.2 step 3 and §5.3). Not persisted.
class SessionTable final
{
public:
    using SecretGenerator = std::function<QByteArray()>;
    static constexpr int SecretSize = 20; // HMAC_LEN

    // Default generator: crypto::randomBytes(20) (§18.12).
    explicit SessionTable(SecretGenerator generator = {});
    void setSecretGenerator(SecretGenerator generator);

    // §5.2 step 3 keeps the first entry and replaces the rest by (S, protocol):
    // anyone's hello then threw away the secret a node had just been sent, and
    // a steady flood of them kept the node from ever authenticating (audit).
    // Here the rest is one pending secret per origin (who asked: its address's
    // /64, or IPv4 address), up to MaxPending; beyond, the oldest secret of
    // the site (requesterSite: a /48, an IPv4 /24, or a node of the network)
    // holding the most goes (pendingToEvict), but once the prefix has
    // authenticated, the site it did so from loses its secrets last. A hello
    // from the node's own origin still replaces its previous secret.
    // A pending secret unused for PendingLifetime seconds is dropped by the
    // next hello for its prefix or by expire() (a node uses its secret right
    // after its hello): what a flood of hellos leaves in memory is bounded by
    // their rate, not by the number of prefixes times MaxPending.
    static constexpr int MaxPending = 16;
    static constexpr qint64 PendingLifetime = 60;
    // `origin` and `site`: Call::origin and Call::site; `now` in seconds.
    QByteArray hello(const QByteArray &prefix, int protocol, const QByteArray &origin, const QByteArray &site,
                     qint64 now);
    // Drops every pending secret older than PendingLifetime at `now` (seconds),
    // and sessions left empty; established sessions stay. Returns how many went.
    int expire(qint64 now);
    qsizetype sessionCount() const { return m_sessions.size(); }

    enum class Status { Ok, NoSession, BadHmac };
    struct Auth
    {
        Status status = Status::NoSession;
        QByteArray responseKey; // K' = SHA1(matched secret), for the response MAC
        int protocol = 0;
    };
    // §5.3: first entry whose HMAC over `target` equals `mac` (raw 20 bytes)
    // wins; the session becomes [(SHA1(K'), protocol)] before the method runs.
    // Pending secrets PendingLifetime old at `now` (seconds) are dropped first:
    // an unused secret lives exactly that long, whenever expire() runs.
    Auth authenticate(const QByteArray &prefix, const QByteArray &target, const QByteArray &mac, qint64 now);

    std::optional<int> protocol(const QByteArray &prefix) const; // of the last entry
    bool contains(const QByteArray &prefix) const { return m_sessions.contains(prefix); }
    void drop(const QByteArray &prefix) { m_sessions.remove(prefix); }
    void clear() { m_sessions.clear(); }

    struct Entry
    {
        QByteArray secret;
        int protocol = 0;
        QByteArray origin; // who asked (pending secrets)
        QByteArray site;   // the site it lies in; established: the site that authenticated
        qint64 at = 0;     // when it was asked (s)
        bool established = false; // the ratchet after an authenticated call: never expires
    };
    QList<Entry> entries(const QByteArray &prefix) const { return m_sessions.value(prefix); }

private:
    static qsizetype pendingToEvict(const QList<Entry> &session, const QByteArray &newcomerSite);
    static int dropExpired(QList<Entry> &session, qint64 now);

    SecretGenerator m_generator;
    QHash<QByteArray, QList<Entry>> m_sessions;
};

} // namespace re6st::registry
