// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/Certificate.h"
#include <QByteArray>
#include <QHash>
#include <map>
#include <optional>
#include <set>

namespace re6st::registry {

class RegistryStore;

// Compact in-memory summary of the certificates stored in the cert table:
// prefix -> (notAfter, X.509 serial, subject serialNumber). Built once at
// startup by streaming the rows (one PEM parsed at a time, no PEM kept) and
// updated by RegistryService on every store/free, so that the hot paths never
// parse every stored certificate:
//  * next cleanup time (registry-protocol.md §8.5): earliest notAfter;
//  * free subject serial (§7.6): first gap in the serialNumber attributes;
//  * revoke by X.509 serial (§6.10): serial -> prefix.
// About 100 bytes per certificate (1 MB for 10,000).
class CertificateIndex final
{
public:
    struct Entry
    {
        qint64 notAfter = 0;
        qint64 serial = -1;        // X.509 serial (-1: not representable)
        qint64 subjectSerial = -1; // subject serialNumber (-1: none / not an integer)
    };

    // Entry of a PEM certificate; nullopt if it does not parse.
    static std::optional<Entry> entryFromPem(const QByteArray &pem);
    // Entry of a certificate already parsed (e.g. the one just issued).
    static Entry entryOf(const crypto::Certificate &cert);

    // Rebuilds from the store. Returns the number of unparseable rows skipped
    // (logged), or -1 on an SQL error.
    int rebuild(const RegistryStore &store);
    void clear();

    void insert(const QByteArray &prefix, const Entry &entry); // replaces
    bool insertPem(const QByteArray &prefix, const QByteArray &pem); // false: unparseable (removed)
    void remove(const QByteArray &prefix);

    std::optional<Entry> entry(const QByteArray &prefix) const;
    qsizetype size() const { return m_entries.size(); }
    std::optional<qint64> earliestNotAfter() const;
    // Prefixes whose notAfter <= `limit`.
    QList<QByteArray> expiredUpTo(qint64 limit) const;
    int freeSubjectSerial() const; // smallest non-negative integer not in use
    // The same, also skipping `taken` (serials given to certificates of the
    // current batch, not yet in the index).
    int freeSubjectSerial(const std::set<int> &taken) const;
    std::optional<QByteArray> prefixForSerial(qint64 serial) const;

private:
    static void decrement(std::map<qint64, int> &counts, qint64 key);

    QHash<QByteArray, Entry> m_entries;
    std::map<qint64, int> m_notAfter;       // notAfter -> count
    std::map<qint64, int> m_subjectSerials; // subject serial -> count (>= 0 only)
    QHash<qint64, QByteArray> m_bySerial;   // X.509 serial -> prefix
    // Every subject serial below this one is in use: freeSubjectSerial()
    // resumes from it (O(1) amortized instead of walking 10,000 entries).
    mutable qint64 m_gapHint = 0;
};

} // namespace re6st::registry
