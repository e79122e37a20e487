// SPDX-License-Identifier: GPL-2.0-or-later
// requestCertificate (registry-protocol.md §6.3, §7.2–§7.7), issued in
// pipelined batches.
//
// The requests that arrive during one pass of the event loop wait in
// m_pendingIssues and form one IssueBatch, which goes through four phases:
//   1. worker threads read and verify each CSR (pure, no shared state);
//   2. reserve, one short transaction on the event loop, in arrival order (a
//      savepoint per request, so one failure undoes only its own writes): the
//      token checked, a prefix taken (§7.3–§7.4) and its row set to
//      'reserved', the X.509 serial (§7.5) and subject serial (§7.6) drawn.
//      The prefixes are also listed in config "issuing". Committed without
//      fdatasync: nothing is answered on it, so losing it harms nobody;
//   3. worker threads build and sign the certificates (RSA, the real cost)
//      while the event loop serves other calls and reserves the next batch,
//      so both cores keep signing;
//   4. store, one transaction: the tokens deleted, the PEMs stored, the
//      prefixes dropped from "issuing"; committed to the WAL, then every
//      request is answered, each answer leaving once a background fdatasync
//      has the commit on disk (Durability::Grouped; commits made during one
//      fdatasync share the next).
// Nobody is answered before the store commit, and tokens are deleted only
// there: a crash never issues one prefix twice nor loses a token (§18.7). A
// crash between 2 and 4 leaves rows 'reserved' (which upstream also reads as
// "not free") listed in "issuing"; the next start frees them
// (recoverInterruptedIssuance). Batches in flight hold their tokens, subject
// serials and prefixes in m_inFlight, so the next batch skips them.
#include "registry/RegistryCall.h"

#include "core/Addressing.h"
#include "registry/GeoIp.h"
#include "registry/PrefixAllocator.h"

#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentMap>
#include <algorithm>
#include <limits>

namespace re6st::registry {

namespace {

const QString kIssuing = QStringLiteral("issuing"); // config name, see the top of this file

// Answers a PendingIssue with an error (the type is private to the service).
template<typename Issue>
void fail(Issue &p, int status, const QString &message)
{
    p.call.fail(status, message);
    p.answered = true;
}

// 204: the client reports "invalid or expired token".
template<typename Issue>
void answerUnknownToken(Issue &p)
{
    qCInfo(lcRegistry).noquote() << "requestCertificate: unknown token";
    p.call.noContent();
    p.answered = true;
}

// Answers 204 instead of `status` when the request's token does not exist:
// for an unknown token, that answer comes before any other (§6.3).
template<typename Issue>
void failIssue(const RegistryStore &store, Issue &p, int status, const QString &message)
{
    if (!p.token.isEmpty() && !store.token(p.token)) return answerUnknownToken(p);
    fail(p, status, message);
}

// registry-protocol.md §6.3, §7.2: a CSR key whose e is not odd in 3..2^32-1
// (CertificateRequest::isAcceptedPublicExponent); `e` is nullopt beyond 64 bits.
QString exponentRefusal(std::optional<quint64> e)
{
    return QStringLiteral("requestCertificate: the CSR key's public exponent is %1; only an odd exponent "
                          "from 3 to 4294967295 is accepted (re6st-conf uses 65537)")
        .arg(e ? QString::number(*e) : QStringLiteral("more than 64 bits long"));
}

template<typename Issue>
void dropAnswered(std::vector<Issue *> &live)
{
    live.erase(std::remove_if(live.begin(), live.end(), [](Issue *p) { return p->answered; }), live.end());
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
                                                 "(--anonymous-prefix-length unset or 0)"));
        prefixLength = m_options.anonymousPrefixLength;
    }
    // The token is looked up once, by the reserve phase, inside its
    // transaction. An unknown token answers 204 whatever the CSR (the client
    // then says "invalid or expired token"), so a request that fails earlier
    // checks whether its token exists first (failIssue). A bad CSR never
    // consumes a valid token (§18.7): the store phase deletes it; deleteToken's
    // result there covers a token deleted meanwhile, m_inFlight.tokens one
    // used twice.
    PendingIssue pending;
    pending.call = call;
    pending.token = token;
    pending.prefixLength = prefixLength;
    const bool schedule = m_pendingIssues.empty();
    m_pendingIssues.push_back(std::move(pending));
    if (schedule) QMetaObject::invokeMethod(this, &RegistryService::processIssueBatch, Qt::QueuedConnection);
}

// Runs `work` on every live request on the global thread pool, then `next`
// on the event loop. The batch (and `live`) stay untouched meanwhile.
template<typename Work>
void RegistryService::runIssuePhase(IssueBatch &batch, Work work, void (RegistryService::*next)(IssueBatch &))
{
    IssueBatch *b = &batch;
    QObject::connect(&batch.watcher, &QFutureWatcherBase::finished, this, [this, b, next] { (this->*next)(*b); },
                     Qt::SingleShotConnection);
    batch.watcher.setFuture(QtConcurrent::map(batch.live, [work](PendingIssue *p) { work(*p); }));
}

void RegistryService::processIssueBatch()
{
    auto owned = std::make_unique<IssueBatch>();
    IssueBatch &batch = *owned;
    batch.items.swap(m_pendingIssues);
    for (PendingIssue &p : batch.items) batch.live.push_back(&p);
    m_issueBatches.push_back(std::move(owned));

    // 1. The CSRs (§7.2; §18.6: the signature must verify). The key size and
    // the public exponent first: a key refused anyway costs no RSA work then,
    // and a huge e would make the verification cost a private-key operation
    // (registry-protocol.md §7.2, §18.6).
    runIssuePhase(
        batch,
        [caBits = m_deps.caKey.bits()](PendingIssue &p) {
            p.csr = crypto::CertificateRequest::fromPem(p.call.param("req"));
            if (!p.csr)
                p.error = QStringLiteral("requestCertificate: req is not a PEM certificate request");
            else if (const int bits = p.csr->keyBits(); bits != caBits)
                p.error = QStringLiteral("requestCertificate: the CSR key has %1 bits but the CA key has %2; "
                                         "generate the node key with the CA key size (re6st-conf does)")
                              .arg(bits)
                              .arg(caBits);
            else if (!p.csr->publicExponentOk())
                p.error = exponentRefusal(p.csr->publicExponent());
            else if (!p.csr->verifySignature())
                p.error = QStringLiteral("requestCertificate: the CSR signature does not verify (§18.6)");
        },
        &RegistryService::reserveIssues);
}

void RegistryService::reserveIssues(IssueBatch &batch)
{
    auto &live = batch.live;
    for (PendingIssue *p : live) {
        if (!p->error.isEmpty()) {
            failIssue(m_store, *p, 500, p->error);
            continue;
        }
        // §11: the community from the location the node gives, else from its address.
        QString country = QStringLiteral("*"), continent = QStringLiteral("*");
        if (m_deps.geoip && m_deps.geoip->isOpen()) {
            const QString location = p->call.text("location");
            if (!location.isEmpty()) {
                const QStringList parts = location.split(QLatin1Char(','));
                if (parts.size() != 2) {
                    failIssue(m_store, *p, 500,
                              QStringLiteral("requestCertificate: location must be CC,CONT (e.g. FR,EU)"));
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
    dropAnswered(live);
    if (live.empty()) return finishIssueBatch(batch);

    // 2. Tokens, prefixes (§7.3–§7.4) and serials (§7.5–§7.6), in arrival order.
    RegistryStore::Transaction transaction(m_store, RegistryStore::Durability::Deferred);
    if (!transaction.isActive()) { // no savepoint may run outside it: each would commit alone
        for (PendingIssue *p : live) fail(*p, 500, databaseError("requestCertificate"));
        return finishIssueBatch(batch);
    }
    quint64 serial = m_store.config(QStringLiteral("serial")).toULongLong();
    std::set<int> subjectSerials = m_inFlight.subjectSerials;
    std::set<QByteArray> issuing = m_inFlight.prefixes;
    QSet<QString> tokens = m_inFlight.tokens;
    for (PendingIssue *p : live) {
        if (!transaction.isActive()) { // a statement failed: nothing more runs (RegistryStore)
            fail(*p, 500, databaseError("requestCertificate"));
            continue;
        }
        if (!p->token.isEmpty()) {
            // Unknown, deleted meanwhile, or taken by an earlier request still
            // in flight (or earlier in this batch).
            const auto row = tokens.contains(p->token) ? std::nullopt : m_store.token(p->token);
            if (!row && !transaction.isActive()) { // not read: not a verdict on the token
                fail(*p, 500, databaseError("requestCertificate"));
                continue;
            }
            if (!row) {
                answerUnknownToken(*p);
                continue;
            }
            p->email = row->email;
            p->prefixLength = row->prefixLen;
        }
        RegistryStore::Savepoint step(m_store);
        QString error;
        const auto prefix =
            PrefixAllocator(m_store, int(m_network.size())).allocate(p->prefixLength, p->community, &error);
        if (!prefix) {
            fail(*p, 500, QStringLiteral("requestCertificate: %1").arg(error));
            continue;
        }
        // No email yet: getNodePrefix(email) must not find a row without a
        // certificate. The store phase writes both.
        m_store.setRow({*prefix, QString(), QByteArrayLiteral("reserved")});
        if (!step.release()) {
            fail(*p, 500, databaseError("requestCertificate"));
            continue;
        }
        p->prefix = *prefix;
        p->subjectSerial = m_index.freeSubjectSerial(subjectSerials);
        subjectSerials.insert(p->subjectSerial);
        p->subject = p->csr->subject();
        crypto::subjectReplace(p->subject, "serialNumber", QString::number(p->subjectSerial));
        crypto::subjectReplace(p->subject, "CN", addressing::cnFromBits(p->prefix));
        p->serial = ++serial; // §7.5: config serial + 1, stored back below
        if (!p->token.isEmpty()) tokens.insert(p->token);
        issuing.insert(p->prefix);
    }
    dropAnswered(live);
    if (live.empty()) return finishIssueBatch(batch); // the transaction holds only released no-ops: rolled back
    m_store.setConfig(QStringLiteral("serial"), qint64(serial));
    storeIssuingList(issuing);
    if (!transaction.commit()) {
        for (PendingIssue *p : live) fail(*p, 500, databaseError("requestCertificate"));
        return finishIssueBatch(batch); // rolled back: nothing reserved
    }
    m_inFlight.subjectSerials = std::move(subjectSerials);
    m_inFlight.prefixes = std::move(issuing);
    m_inFlight.tokens = std::move(tokens);

    // 3. The certificates (§7.5): built and signed off the event loop.
    const auto &signer = m_signer;
    const qint64 issuedAt = now();
    runIssuePhase(
        batch,
        [&signer, issuedAt, hook = m_signingHook](PendingIssue &p) {
            if (hook) hook(p.serial);
            const QByteArray der =
                signer.issueDer(p.serial, p.subject, p.csr->keyInfoDer(), issuedAt, issuedAt + CertDuration);
            if (der.isEmpty()) return;
            p.pem = crypto::CertificateSigner::pemOf(der);
            // What entryOf would read back from the certificate just written.
            p.entry = CertificateIndex::Entry{issuedAt + CertDuration,
                                              p.serial <= quint64(std::numeric_limits<qint64>::max())
                                                  ? qint64(p.serial)
                                                  : -1,
                                              p.subjectSerial};
        },
        &RegistryService::storeIssues);
}

void RegistryService::storeIssues(IssueBatch &batch)
{
    auto &live = batch.live;
    // 4. One synced commit for the batch, then the answers.
    std::set<QByteArray> issuing = m_inFlight.prefixes;
    // The first certificate stored is the registry node's own (config prefix).
    bool first = false;
    // Grouped: the event loop does not wait for the fdatasync, the answers do
    // (call.reply, RegistryService.cpp), so the next batch is reserved meanwhile.
    RegistryStore::Transaction transaction(m_store, RegistryStore::Durability::Grouped);
    if (transaction.isActive()) {
        std::vector<QByteArray> unused; // reserved, no certificate after all
        for (PendingIssue *p : live) {
            issuing.erase(p->prefix);
            // A failed DELETE is not a token gone: it fails the commit below.
            if (p->entry && !p->token.isEmpty()
                && m_store.deleteToken(p->token) == RegistryStore::Change::None)
                p->tokenGone = true;
            if (!p->entry || p->tokenGone) {
                unused.push_back(p->prefix);
                continue;
            }
            m_store.setRow({p->prefix, p->email, p->pem});
            if (!first && registryPrefix().isEmpty()) {
                m_store.setConfig(QStringLiteral("prefix"), QString::fromLatin1(p->prefix));
                first = true;
            }
        }
        for (const QByteArray &prefix : unused) m_store.freeRow(prefix);
        storeIssuingList(issuing);
    }
    const bool committed = transaction.commit();
    for (PendingIssue *p : live) {
        m_inFlight.tokens.remove(p->token);
        m_inFlight.subjectSerials.erase(p->subjectSerial);
    }
    if (!committed) {
        // Rolled back: no token deleted, no certificate stored. The rows are
        // freed now, or at the next start if the database still refuses.
        std::vector<QByteArray> reserved;
        for (PendingIssue *p : live) {
            reserved.push_back(p->prefix);
            fail(*p, 500, databaseError("requestCertificate"));
        }
        releaseReservations(reserved);
        return finishIssueBatch(batch);
    }
    m_inFlight.prefixes = std::move(issuing);
    qint64 latestNotAfter = 0;
    for (PendingIssue *p : live) {
        if (p->tokenGone) {
            qCInfo(lcRegistry).noquote() << "requestCertificate: token deleted meanwhile";
            p->call.noContent(); // the client reports "invalid or expired token"
            p->answered = true;
        } else if (!p->entry) {
            fail(*p, 500, QStringLiteral("requestCertificate: cannot create the certificate"));
        } else {
            m_index.insert(p->prefix, *p->entry);
            ++m_counters.certificatesRequested;
            latestNotAfter = std::max(latestNotAfter, p->entry->notAfter);
            qCInfo(lcRegistry).noquote() << "issued certificate" << addressing::cnFromBits(p->prefix)
                                         << (p->email.isEmpty() ? QStringLiteral("(anonymous)") : p->email);
        }
    }
    if (first) {
        reloadConfigCache();
        updateNetworkConfig(); // the registry node's prefix is now known
    }
    if (latestNotAfter) cleanupAfterCreation(latestNotAfter);
    for (PendingIssue *p : live)
        if (!p->answered) p->call.ok(p->pem);
    finishIssueBatch(batch);
}

void RegistryService::finishIssueBatch(IssueBatch &batch)
{
    // Possibly called from batch.watcher's own signal: deleted on the next pass.
    IssueBatch *b = &batch;
    QMetaObject::invokeMethod(
        this,
        [this, b] {
            m_issueBatches.remove_if([b](const std::unique_ptr<IssueBatch> &owned) { return owned.get() == b; });
            notifyIfIssuanceIdle();
        },
        Qt::QueuedConnection);
}

void RegistryService::whenIssuanceIdle(std::function<void()> idle)
{
    m_onIssuanceIdle = std::move(idle);
    notifyIfIssuanceIdle();
}

void RegistryService::notifyIfIssuanceIdle()
{
    if (!m_onIssuanceIdle || !m_pendingIssues.empty() || !m_issueBatches.empty()) return;
    // The last answers wait for their sync: idle once they are out.
    if (!m_store.isDurable())
        return m_store.whenDurable([self = QPointer<RegistryService>(this)](const QString &) {
            if (self) self->notifyIfIssuanceIdle();
        });
    const auto idle = std::move(m_onIssuanceIdle);
    m_onIssuanceIdle = nullptr;
    idle();
}

// config "issuing": the reserved prefixes of the batches in flight, one bit
// string each, space-separated; absent when none. Not an upstream key (it
// ignores unknown names).
void RegistryService::storeIssuingList(const std::set<QByteArray> &prefixes)
{
    if (prefixes.empty()) return m_store.removeConfig(kIssuing);
    QByteArray list;
    for (const QByteArray &prefix : prefixes) {
        if (!list.isEmpty()) list += ' ';
        list += prefix;
    }
    m_store.setConfig(kIssuing, QString::fromLatin1(list));
}

void RegistryService::releaseReservations(const std::vector<QByteArray> &prefixes)
{
    std::set<QByteArray> issuing = m_inFlight.prefixes;
    RegistryStore::Transaction transaction(m_store);
    for (const QByteArray &prefix : prefixes) {
        issuing.erase(prefix);
        const auto row = m_store.row(prefix);
        if (row && row->isReserved()) m_store.freeRow(prefix);
    }
    storeIssuingList(issuing);
    if (!transaction.commit()) {
        qCWarning(lcRegistry).noquote() << "cannot free" << prefixes.size()
                                        << "reserved prefixes now; the next start frees them";
        return;
    }
    m_inFlight.prefixes = std::move(issuing);
}

// At startup: the prefixes reserved by batches that a crash or a stop
// interrupted before their store phase are free again (their tokens were
// never deleted).
bool RegistryService::recoverInterruptedIssuance(QString *error)
{
    const QByteArray list = m_store.configBlob(kIssuing);
    if (list.isNull()) return true;
    RegistryStore::Transaction transaction(m_store);
    int freed = 0;
    for (const QByteArray &prefix : list.split(' ')) {
        if (prefix.isEmpty()) continue;
        const auto row = m_store.row(prefix);
        if (row && row->isReserved()) {
            m_store.freeRow(prefix);
            ++freed;
        }
    }
    m_store.removeConfig(kIssuing);
    if (!transaction.commit()) {
        if (error) *error = QStringLiteral("cannot free the prefixes of an interrupted issuance: %1").arg(m_store.lastError());
        return false;
    }
    if (freed)
        qCInfo(lcRegistry).noquote() << "freed" << freed
                                     << "prefixes reserved by requests still being signed when the registry "
                                        "stopped (their tokens are still valid)";
    return true;
}

} // namespace re6st::registry
