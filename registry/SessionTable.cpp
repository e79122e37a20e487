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

SessionTable::SessionTable(SecretGenerator generator)
{
    setSecretGenerator(std::move(generator));
}

void SessionTable::setSecretGenerator(SecretGenerator generator)
{
    m_generator = generator ? std::move(generator) : [] { return crypto::randomBytes(SecretSize); };
}

QByteArray SessionTable::hello(const QByteArray &prefix, int protocol, const QByteArray &origin)
{
    const QByteArray secret = m_generator();
    QList<Entry> &session = m_sessions[prefix];
    // The first entry stays (a third party must not break an established
    // session); after it, one pending secret per origin.
    if (!session.isEmpty()) {
        const auto sameOrigin = [&](const Entry &e) { return e.origin == origin; };
        if (const auto it = std::find_if(session.begin() + 1, session.end(), sameOrigin); it != session.end())
            session.erase(it);
        if (session.size() > MaxPending) session.remove(1); // the oldest pending
    }
    session.append({secret, protocol, origin});
    return secret;
}

SessionTable::Auth SessionTable::authenticate(const QByteArray &prefix, const QByteArray &target,
                                              const QByteArray &mac)
{
    Auth auth;
    auto it = m_sessions.find(prefix);
    if (it == m_sessions.end() || it->isEmpty()) return auth;
    auth.status = Status::BadHmac;
    for (const Entry &entry : std::as_const(*it)) {
        if (!sameMac(crypto::hmacSha1(entry.secret, target), mac)) continue;
        auth.status = Status::Ok;
        auth.responseKey = crypto::sha1(entry.secret);
        auth.protocol = entry.protocol;
        *it = QList<Entry>{{crypto::sha1(auth.responseKey), entry.protocol}};
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
