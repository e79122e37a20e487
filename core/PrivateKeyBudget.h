// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHash>
#include <limits>

namespace re6st {

// Bounds the RSA private-key operations that datagrams from the network make us do
// (node-protocol.md §6.3): signing the seq 2 we answer a seq-1 hello naming our
// certificate with, and decrypting a received seq 2. A forged hello is public data
// and a captured seq 2 replays forever (audit F1, F4), so each costs at most:
// * one operation of each kind per peer prefix per kPrefixIntervalMs. A real
//   handshake needs one (§6.3: each side signs or decrypts once per key, and
//   simultaneous handshakes once each);
// * one token of a bucket shared by all peers and both kinds. `openssl speed` here:
//   a 2048-bit private operation takes 0.26 ms, a 4096-bit one 3.8 ms. At kPerSecond
//   that is at most 1.3 % (2048) or 19 % (4096) of a core under a flood, and a burst
//   of kBurst stalls the event loop at most 26 ms / 0.4 s once. Legitimate load is one
//   operation per (re)handshake: a node restarting with a few hundred peers gets
//   kBurst at once and the rest within seconds; refused peers retry after the 60 s
//   hello limit.
// Pure: the caller passes the time (ms, a wall clock set back is tolerated).
class PrivateKeyBudget final
{
public:
    enum class Operation { Sign, Decrypt };
    static constexpr qint64 kPrefixIntervalMs = 2000;
    static constexpr int kBurst = 100;
    static constexpr int kPerSecond = 50;
    static constexpr int kMaxPrefixes = 4096; // then prefixes past their interval are forgotten

    // True (and counted as spent) if `operation` for `prefix` may run at `nowMs`.
    bool admit(Operation operation, const QByteArray &prefix, qint64 nowMs);
    quint64 spent(Operation operation) const { return m_spent[int(operation)]; }

private:
    static constexpr qint64 kNever = std::numeric_limits<qint64>::min();
    static constexpr qint64 kMilli = 1000; // one token, in thousandths
    struct Last
    {
        qint64 at[2] = {kNever, kNever}; // per Operation
    };
    static bool due(qint64 last, qint64 nowMs);
    QHash<QByteArray, Last> m_last;
    qint64 m_milliTokens = kBurst * kMilli;
    qint64 m_refilledAt = kNever;
    quint64 m_spent[2] = {0, 0};
};

} // namespace re6st
