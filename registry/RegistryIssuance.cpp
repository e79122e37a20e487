// SPDX-License-Identifier: GPL-2.0-or-later
// requestCertificate (registry-protocol.md §6.3, §7.2–§7.7) issued in batches.
//
// The requests that arrive during one pass of the event loop wait in
// m_pendingIssues and are issued together by processIssueBatch():
//   1. worker threads read and verify each CSR (pure, no shared state);
//   2. one transaction takes the tokens, prefixes and serials in arrival order
//      (a savepoint per request, so one failure undoes only its own writes);
//   3. worker threads build and sign the certificates (RSA, the real cost);
//   4. the rows are stored and the transaction committed once (one fsync for
//      the batch), then every request is answered.
// Nobody is answered before the commit: a crash never issues one prefix twice
// nor loses a token (§18.7). A lone request is a batch of one, run inline.
#include "registry/RegistryCall.h"

#include "core/Addressing.h"
#include "registry/GeoIp.h"
#include "registry/PrefixAllocator.h"

#include <QMetaObject>
#include <QtConcurrent/QtConcurrentMap>
#include <algorithm>
#include <set>

namespace re6st::registry {

namespace {

// Runs `work` on every element, on the global thread pool when there is more
// than one (the calling thread waits; it owns the event loop and the database).
template<typename Item, typename Work>
void forEachParallel(std::vector<Item *> &items, Work work)
{
    if (items.size() <= 1) {
        for (auto *item : items) work(*item);
        return;
    }
    QtConcurrent::blockingMap(items, [&work](Item *item) { work(*item); });
}

} // namespace

// §6.3
void RegistryService::requestCertificate(Call &call)
{
    const QString token = call.text("token");
    int prefixLength = 0;
    if (!token.isEmpty()) {
        if (m_options.prefixLength == 0)
            return call.fail(403, QStringLiteral("requestCertificate: --prefix-length 0, token registration disabled"));
        prefixLength = m_options.prefixLength;
    } else {
        if (m_options.anonymousPrefixLength == 0)
            return call.fail(403, QStringLiteral("requestCertificate: anonymous registration disabled "
                                                 "(no --anonymous-prefix-length)"));
        prefixLength = m_options.anonymousPrefixLength;
    }
    // An unknown token answers 204 whatever the CSR (the client then says
    // "invalid or expired token"); a bad CSR never consumes a valid token (§18.7).
    // The batch deletes it inside its transaction; deleteToken's result there
    // covers a token used twice or deleted meanwhile.
    std::optional<RegistryStore::Token> tokenRow;
    if (!token.isEmpty() && !(tokenRow = m_store.token(token))) {
        qCInfo(lcRegistry).noquote() << "requestCertificate: unknown token";
        return call.noContent();
    }
    PendingIssue pending;
    pending.call = call;
    pending.token = token;
    pending.tokenRow = tokenRow;
    pending.prefixLength = prefixLength;
    const bool schedule = m_pendingIssues.empty();
    m_pendingIssues.push_back(std::move(pending));
    if (schedule) QMetaObject::invokeMethod(this, &RegistryService::processIssueBatch, Qt::QueuedConnection);
}

void RegistryService::processIssueBatch()
{
    std::vector<PendingIssue> batch;
    batch.swap(m_pendingIssues);
    std::vector<PendingIssue *> live;
    for (PendingIssue &p : batch) live.push_back(&p);
    const auto fail = [](PendingIssue &p, int status, const QString &message) {
        p.call.fail(status, message);
        p.answered = true;
    };
    const auto dropAnswered = [&live] {
        live.erase(std::remove_if(live.begin(), live.end(), [](PendingIssue *p) { return p->answered; }),
                   live.end());
    };

    // 1. The CSRs (§7.2; §18.6: the signature must verify).
    forEachParallel(live, [](PendingIssue &p) {
        p.csr = crypto::CertificateRequest::fromPem(p.call.param("req"));
        if (!p.csr)
            p.error = QStringLiteral("requestCertificate: req is not a PEM certificate request");
        else if (!p.csr->verifySignature())
            p.error = QStringLiteral("requestCertificate: the CSR signature does not verify (§18.6)");
        else
            p.keyBits = p.csr->keyBits();
    });
    for (PendingIssue *p : live) {
        if (!p->error.isEmpty()) {
            fail(*p, 500, p->error);
            continue;
        }
        if (p->keyBits != m_deps.caKey.bits()) {
            fail(*p, 500, QStringLiteral("requestCertificate: the CSR key has %1 bits but the CA key has %2; "
                                         "generate the node key with the CA key size (re6st-conf does)")
                              .arg(p->keyBits)
                              .arg(m_deps.caKey.bits()));
            continue;
        }
        // §11: the community from the location the node gives, else from its address.
        QString country = QStringLiteral("*"), continent = QStringLiteral("*");
        if (m_deps.geoip && m_deps.geoip->isOpen()) {
            const QString location = p->call.text("location");
            if (!location.isEmpty()) {
                const QStringList parts = location.split(QLatin1Char(','));
                if (parts.size() != 2) {
                    fail(*p, 500, QStringLiteral("requestCertificate: location must be CC,CONT (e.g. FR,EU)"));
                    continue;
                }
                country = parts[0];
                continent = parts[1];
            } else {
                const GeoIp::Location found = m_deps.geoip->lookup(p->call.text("ip"));
                country = found.country;
                continent = found.continent;
            }
        }
        p->community = m_deps.communities.choose(country, continent);
    }
    dropAnswered();
    if (live.empty()) return;

    // 2. Tokens, prefixes (§7.3–§7.4) and serials (§7.5–§7.6), in arrival order.
    const qint64 issuedAt = now();
    RegistryStore::Transaction transaction(m_store);
    if (!transaction.isActive()) { // no savepoint may run outside it: each would commit alone
        for (PendingIssue *p : live) fail(*p, 500, QStringLiteral("requestCertificate: database busy, retry later"));
        return;
    }
    quint64 serial = m_store.config(QStringLiteral("serial")).toULongLong();
    std::set<int> subjectSerials;
    bool registryPrefixKnown = !registryPrefix().isEmpty();
    for (PendingIssue *p : live) {
        RegistryStore::Savepoint step(m_store);
        if (p->tokenRow) {
            if (!m_store.deleteToken(p->token)) {
                qCInfo(lcRegistry).noquote() << "requestCertificate: unknown token";
                p->call.noContent(); // the client reports "invalid or expired token"
                p->answered = true;
                continue;
            }
            p->email = p->tokenRow->email;
            p->prefixLength = p->tokenRow->prefixLen;
        }
        QString error;
        const auto prefix =
            PrefixAllocator(m_store, int(m_network.size())).allocate(p->prefixLength, p->community, &error);
        if (!prefix) {
            fail(*p, 500, QStringLiteral("requestCertificate: %1").arg(error));
            continue;
        }
        p->prefix = *prefix;
        // The allocator only picks a free row: hold it until its PEM is stored in
        // step 4 (same transaction), or the next request of the batch picks it too.
        m_store.setRow({p->prefix, p->email, QByteArrayLiteral("reserved")});
        if (!registryPrefixKnown) {
            m_store.setConfig(QStringLiteral("prefix"), QString::fromLatin1(p->prefix));
            p->first = registryPrefixKnown = true;
        }
        const int subjectSerial = m_index.freeSubjectSerial(subjectSerials);
        p->subject = p->csr->subject();
        crypto::subjectReplace(p->subject, "serialNumber", QString::number(subjectSerial));
        crypto::subjectReplace(p->subject, "CN", addressing::cnFromBits(p->prefix));
        if (!step.release()) {
            fail(*p, 500, QStringLiteral("requestCertificate: database error"));
            continue;
        }
        subjectSerials.insert(subjectSerial);
        p->serial = ++serial; // §7.5: config serial + 1, stored back below
    }
    dropAnswered();
    if (live.empty()) return; // the transaction holds only released no-ops: rolled back

    // 3. The certificates (§7.5): built and signed off the event loop.
    const auto &ca = m_deps.ca;
    const auto &caKey = m_deps.caKey;
    forEachParallel(live, [&ca, &caKey, issuedAt](PendingIssue &p) {
        const auto cert = crypto::Certificate::issue(ca, caKey, p.serial, p.subject, *p.csr, issuedAt,
                                                     issuedAt + CertDuration);
        if (!cert) return;
        p.pem = cert->toPem();
        p.entry = CertificateIndex::entryOf(*cert); // no re-parse of what we just built
    });
    const bool allSigned = std::all_of(live.begin(), live.end(), [](PendingIssue *p) { return p->entry.has_value(); });

    // 4. One commit for the batch, then the answers.
    if (allSigned) {
        for (PendingIssue *p : live) m_store.setRow({p->prefix, p->email, p->pem});
        m_store.setConfig(QStringLiteral("serial"), qint64(serial));
    }
    if (!allSigned || !transaction.commit()) {
        const QString why = allSigned ? QStringLiteral("requestCertificate: database commit failed")
                                      : QStringLiteral("requestCertificate: cannot create the certificate");
        for (PendingIssue *p : live) fail(*p, 500, why); // the transaction rolls back: nothing issued
        return;
    }
    bool first = false;
    qint64 latestNotAfter = 0;
    for (PendingIssue *p : live) {
        m_index.insert(p->prefix, *p->entry);
        ++m_counters.certificatesRequested;
        first = first || p->first;
        latestNotAfter = std::max(latestNotAfter, p->entry->notAfter);
        qCInfo(lcRegistry).noquote() << "issued certificate" << addressing::cnFromBits(p->prefix)
                                     << (p->email.isEmpty() ? QStringLiteral("(anonymous)") : p->email);
    }
    if (first) {
        reloadConfigCache();
        updateNetworkConfig(); // the registry node's prefix is now known
    }
    cleanupAfterCreation(latestNotAfter);
    for (PendingIssue *p : live) p->call.ok(p->pem);
}

} // namespace re6st::registry
