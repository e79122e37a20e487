// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/SessionTable.h"

#include "core/crypto/Digest.h"

#include <algorithm>

namespace re6st::registry {
namespace {

bool sameMac(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size()) return false;
    char diff = 0; // constant time
    for (qsizetype i = 0; i < a.size(); ++i) diff |= char(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

// The oldest pending secret of the site that holds the most of them, the
// newcomer's counted in: a flood from one site then evicts only its own
// secrets, and a node's pending secret goes only once as many other sites as
// there are slots have asked since (entry 0, the established session or the
// first hello, is never a candidate). Once the prefix has authenticated, the
// secrets of the site it did so from (the established entry's) go last: a
// node restarting where it ran keeps its hello however many sites flood it.
qsizetype SessionTable::pendingToEvict(const QList<Entry> &session, const QByteArray &newcomerSite)
{
    const QByteArray known = session[0].established ? session[0].site : QByteArray();
    const auto candidate = [&](qsizetype i) { return known.isEmpty() || session[i].site != known; };
    QHash<QByteArray, int> count;
    for (qsizetype i = 1; i < session.size(); ++i)
        if (candidate(i)) ++count[session[i].site];
    if (count.isEmpty()) return 1; // all from the known site: its oldest
    if (const auto it = count.find(newcomerSite); it != count.end()) ++*it;
    int most = 0;
    for (const int n : std::as_const(count)) most = std::max(most, n);
    for (qsizetype i = 1; i < session.size(); ++i)
        if (candidate(i) && count.value(session[i].site) == most) return i;
    return 1; // cannot happen: `most` is some candidate's site count
}

SessionTable::SessionTable(SecretGenerator generator)
{
    setSecretGenerator(std::move(generator));
}

void SessionTable::setSecretGenerator(SecretGenerator generator)
{
    m_generator = generator ? std::move(generator) : [] { return crypto::randomBytes(SecretSize); };
}

QByteArray SessionTable::hello(const QByteArray &prefix, int protocol, const QByteArray &origin,
                               const QByteArray &site, qint64 now)
{
    const QByteArray secret = m_generator();
    QList<Entry> &session = m_sessions[prefix];
    dropExpired(session, now);
    // The first entry stays (a third party must not break an established
    // session); after it, one pending secret per origin.
    if (!session.isEmpty()) {
        const auto sameOrigin = [&](const Entry &e) { return e.origin == origin; };
        if (const auto it = std::find_if(session.begin() + 1, session.end(), sameOrigin); it != session.end())
            session.erase(it);
        if (session.size() > MaxPending) session.remove(pendingToEvict(session, site));
    }
    session.append({secret, protocol, origin, site, now, false});
    return secret;
}

int SessionTable::dropExpired(QList<Entry> &session, qint64 now)
{
    return int(session.removeIf([now](const Entry &e) { return !e.established && now - e.at >= PendingLifetime; }));
}

int SessionTable::expire(qint64 now)
{
    int dropped = 0;
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        dropped += dropExpired(*it, now);
        it = it->isEmpty() ? m_sessions.erase(it) : std::next(it);
    }
    return dropped;
}

SessionTable::Auth SessionTable::authenticate(const QByteArray &prefix, const QByteArray &target,
                                              const QByteArray &mac, qint64 now)
{
    Auth auth;
    auto it = m_sessions.find(prefix);
    if (it == m_sessions.end()) return auth;
    dropExpired(*it, now); // a secret is good for PendingLifetime, not until the next sweep
    if (it->isEmpty()) {
        m_sessions.erase(it);
        return auth;
    }
    auth.status = Status::BadHmac;
    for (const Entry &entry : std::as_const(*it)) {
        if (!sameMac(crypto::hmacSha1(entry.secret, target), mac)) continue;
        auth.status = Status::Ok;
        auth.responseKey = crypto::sha1(entry.secret);
        auth.protocol = entry.protocol;
        // The site stays: its secrets go last (pendingToEvict).
        *it = QList<Entry>{{crypto::sha1(auth.responseKey), entry.protocol, {}, entry.site, 0, true}};
        break;
    }
    return auth;
}

std::optional<int> SessionTable::protocol(const QByteArray &prefix) const
{
    const auto it = m_sessions.constFind(prefix);
    if (it == m_sessions.cend() || it->isEmpty()) return std::nullopt;
    return it->last().protocol;
}

} // namespace re6st::registry
