// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/CertificateIndex.h"

#include "core/crypto/Certificate.h"
#include "registry/RegistryStore.h"

#include <QLoggingCategory>
#include <algorithm>

Q_LOGGING_CATEGORY(lcIndex, "re6st.registry.index")

namespace re6st::registry {

std::optional<CertificateIndex::Entry> CertificateIndex::entryFromPem(const QByteArray &pem)
{
    const auto cert = crypto::Certificate::fromPem(pem);
    if (!cert) return std::nullopt;
    return entryOf(*cert);
}

CertificateIndex::Entry CertificateIndex::entryOf(const crypto::Certificate &cert)
{
    Entry e;
    e.notAfter = cert.notAfter();
    bool ok = false;
    const qint64 serial = cert.serialDecimal().toLongLong(&ok);
    e.serial = ok ? serial : -1;
    // §7.6. The last serialNumber: the one the registry appended (§7.5). A
    // certificate that an older registry issued from a CSR with a serialNumber
    // of its own has two, the first chosen by the requester.
    QString last;
    for (const crypto::SubjectEntry &entry : cert.subject())
        if (crypto::shortAttributeName(entry.name) == "serialNumber") last = entry.value;
    const qint64 subjectSerial = last.toLongLong(&ok);
    e.subjectSerial = ok && subjectSerial >= 0 ? subjectSerial : -1;
    return e;
}

void CertificateIndex::clear()
{
    m_entries.clear();
    m_notAfter.clear();
    m_subjectSerials.clear();
    m_bySerial.clear();
    m_gapHint = 0;
}

int CertificateIndex::rebuild(const RegistryStore &store)
{
    clear();
    int skipped = 0;
    const bool ok = store.forEachAllocated([&](const QByteArray &prefix, const QByteArray &pem) {
        if (!insertPem(prefix, pem)) {
            qCWarning(lcIndex) << "unparseable certificate stored for prefix" << prefix << "- ignored";
            ++skipped;
        }
    });
    m_entries.squeeze();
    m_bySerial.squeeze();
    return ok ? skipped : -1;
}

void CertificateIndex::decrement(std::map<qint64, int> &counts, qint64 key)
{
    const auto it = counts.find(key);
    if (it != counts.end() && --it->second <= 0) counts.erase(it);
}

void CertificateIndex::insert(const QByteArray &prefix, const Entry &entry)
{
    remove(prefix);
    m_entries.insert(prefix, entry);
    ++m_notAfter[entry.notAfter];
    if (entry.subjectSerial >= 0) ++m_subjectSerials[entry.subjectSerial];
    if (entry.serial >= 0) m_bySerial.insert(entry.serial, prefix);
}

bool CertificateIndex::insertPem(const QByteArray &prefix, const QByteArray &pem)
{
    const auto e = entryFromPem(pem);
    if (!e) {
        remove(prefix);
        return false;
    }
    insert(prefix, *e);
    return true;
}

void CertificateIndex::remove(const QByteArray &prefix)
{
    const auto it = m_entries.constFind(prefix);
    if (it == m_entries.cend()) return;
    const Entry e = *it;
    m_entries.erase(it);
    decrement(m_notAfter, e.notAfter);
    if (e.subjectSerial >= 0) {
        decrement(m_subjectSerials, e.subjectSerial);
        if (!m_subjectSerials.count(e.subjectSerial)) m_gapHint = std::min(m_gapHint, e.subjectSerial);
    }
    if (e.serial >= 0) {
        const auto s = m_bySerial.constFind(e.serial);
        if (s != m_bySerial.cend() && *s == prefix) m_bySerial.erase(s);
    }
}

std::optional<CertificateIndex::Entry> CertificateIndex::entry(const QByteArray &prefix) const
{
    const auto it = m_entries.constFind(prefix);
    if (it == m_entries.cend()) return std::nullopt;
    return *it;
}

std::optional<qint64> CertificateIndex::earliestNotAfter() const
{
    if (m_notAfter.empty()) return std::nullopt;
    return m_notAfter.begin()->first;
}

QList<QByteArray> CertificateIndex::expiredUpTo(qint64 limit) const
{
    QList<QByteArray> out;
    if (m_notAfter.empty() || m_notAfter.begin()->first > limit) return out; // the usual case: O(1)
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
        if (it->notAfter <= limit) out.append(it.key());
    return out;
}

int CertificateIndex::freeSubjectSerial() const
{
    // §7.6 with a proper first-gap computation (§18.8): keys are sorted, >= 0.
    qint64 expected = m_gapHint;
    for (auto it = m_subjectSerials.lower_bound(expected); it != m_subjectSerials.end() && it->first == expected; ++it)
        ++expected;
    m_gapHint = expected;
    return int(expected);
}

int CertificateIndex::freeSubjectSerial(const std::set<int> &taken) const
{
    int serial = freeSubjectSerial();
    for (bool moved = true; moved;) {
        moved = false;
        for (; taken.count(serial) != 0; moved = true) ++serial;
        for (; m_subjectSerials.count(serial) != 0; moved = true) ++serial;
    }
    return serial;
}

std::optional<QByteArray> CertificateIndex::prefixForSerial(qint64 serial) const
{
    const auto it = m_bySerial.constFind(serial);
    if (it == m_bySerial.cend()) return std::nullopt;
    return *it;
}

} // namespace re6st::registry
