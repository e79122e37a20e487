// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"
#include "registry/CertificateIndex.h"
#include "registry/RegistryService.h"
#include "registry/RegistryStore.h"

#include <QFutureWatcher>
#include <QHash>
#include <QLoggingCategory>
#include <functional>
#include <optional>

Q_DECLARE_LOGGING_CATEGORY(lcRegistry)

namespace re6st::registry {

// One decoded request to an endpoint (registry-protocol.md §6), private to
// RegistryService and its translation units.
struct RegistryService::Call
{
    QHash<QByteArray, QByteArray> params;
    QByteArray origin; // the requester's /64 (IPv6) or address (IPv4), raw (SessionTable)
    QByteArray site;   // requesterSite(origin): per-site bounds
    bool trustedOrigin = false; // from an --authorized-origin (loopback by default)
    bool authenticated = false;
    QByteArray responseKey;
    int protocol = 0;
    // Answers the HTTP request; an empty 200 body becomes 204 (§4.2).
    std::function<void(int status, const QByteArray &body)> reply;

    QByteArray param(const char *name) const { return params.value(QByteArray(name)); }
    QString text(const char *name) const { return QString::fromUtf8(param(name)); }
    void ok(const QByteArray &body) const { reply(200, body); }
    void noContent() const { reply(204, {}); }
    // Whether a failure line may be logged now (RegistryService::mayLog): anyone
    // can cause failures, so their lines are rate-limited per status and method.
    std::function<bool(const QString &key, QString *leftOut)> mayLog;
    void fail(int status, const QString &message) const
    {
        QString leftOut;
        const QString key = QString::number(status) + u' ' + message.section(u':', 0, 0).left(40);
        if (!mayLog || mayLog(key, &leftOut)) {
            if (status >= 500)
                qCWarning(lcRegistry).noquote() << message + leftOut;
            else
                qCInfo(lcRegistry).noquote() << message + leftOut;
        }
        reply(status, message.toUtf8());
    }
};

// A requestCertificate waiting for the next issuance batch (§6.3), and what
// each phase of the batch adds to it.
struct RegistryService::PendingIssue
{
    Call call;
    QString token;                            // empty: anonymous (§7.7)
    int prefixLength = 0;                     // anonymous: --anonymous-prefix-length; token: its own, set by the reserve phase
    bool answered = false;                    // call replied (failure or 204)
    // Phase 1 (worker thread): the CSR read and checked.
    std::optional<crypto::CertificateRequest> csr;
    QString error;                            // phase 1 failure (500)
    QByteArray community;
    // Phase 2 (reserve, database): what the certificate will hold.
    QByteArray prefix;
    QString email;
    quint64 serial = 0;
    int subjectSerial = -1;
    crypto::Subject subject;
    // Phase 3 (worker thread): the signed certificate.
    QByteArray pem;
    std::optional<CertificateIndex::Entry> entry;
    // Phase 4 (store): the token was deleted meanwhile; nothing issued.
    bool tokenGone = false;
};

// Requests issued together, from their CSR check to their answers; `live`
// points to those not answered yet. A phase run by worker threads reports to
// the event loop through `watcher`.
struct RegistryService::IssueBatch
{
    std::vector<PendingIssue> items;
    std::vector<PendingIssue *> live;
    QFutureWatcher<void> watcher;
};

} // namespace re6st::registry
