// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// RegistryService driven in-process with a temp SQLite DB and the upstream
// vector CA (registry-protocol.md §5–§9): tst_registryservice,
// tst_registrydbfailure.
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/Digest.h"
#include "core/crypto/RsaKey.h"
#include "core/HmacRatchet.h"
#include "registry/LocalNode.h"
#include "registry/Mailer.h"
#include "registry/RegistryService.h"
#include "registry/RegistryStore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QUrl>
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace re6st::registry::test {


inline QString vectors()
{
    return qEnvironmentVariable("RE6ST_VECTORS", QStringLiteral("/work/shared/vectors"));
}

inline QByteArray readVector(const QString &relative)
{
    QFile file(vectors() + QLatin1Char('/') + relative);
    if (!file.open(QIODevice::ReadOnly)) qFatal("missing vector %s", qPrintable(relative));
    return file.readAll();
}

inline crypto::RsaKey vectorKey(const QString &name)
{
    return *crypto::RsaKey::fromPem(readVector(QStringLiteral("crypto/") + name));
}

constexpr qint64 kNow = 1795700000; // 2026-11-26, inside the vector certificates' validity

struct Fixture
{
    QTemporaryDir dir;
    RegistryStore store;
    std::unique_ptr<Mailer> mailer;
    std::unique_ptr<RegistryService> service;
    RegistryOptions options;
    LocalNode *node = nullptr;
    qint64 clock = kNow;

    explicit Fixture(RegistryOptions options = {}, const QString &copyDb = {}, LocalNode *node = nullptr)
    {
        const QString db = dir.filePath("registry.db");
        if (!copyDb.isEmpty()) QFile::copy(copyDb, db);
        QString error;
        if (!store.open(db, &error)) qFatal("store: %s", qPrintable(error));
        if (options.ca.isEmpty()) options.ca = vectors() + "/crypto/ca.crt";
        this->options = options;
        this->node = node;
        startService();
    }

    // A new service on the same database, as after a restart of the registry
    // (the old one is destroyed first: its batches in flight never finish).
    void startService()
    {
        service.reset();
        RegistryService::Dependencies deps;
        deps.store = &store;
        deps.ca = *crypto::Certificate::fromPem(readVector("crypto/ca.crt"));
        deps.caKey = vectorKey("ca.key");
        deps.dh = readVector("crypto/dh2048.pem");
        deps.localNode = node;
        mailer = std::make_unique<Mailer>(Mailer::Settings{options.mailhost, {}, {}, false,
                                                           QStringLiteral("re6st@example.com")});
        deps.mailer = mailer.get();
        service = std::make_unique<RegistryService>(options, deps);
        service->setClock([this] { return clock; });
        QString error;
        if (!service->start(&error)) qFatal("start: %s", qPrintable(error));
    }

    HttpResponse get(const QByteArray &target, const QList<QPair<QByteArray, QByteArray>> &headers = {},
                     const QHostAddress &peer = QHostAddress::LocalHost)
    {
        return getAll({target}, headers, peer).constFirst();
    }

    // Every request handed to the service before any event is processed (so
    // requestCertificate calls form one batch), then the answers in order.
    QList<HttpResponse> getAll(const QList<QByteArray> &targets,
                               const QList<QPair<QByteArray, QByteArray>> &headers = {},
                               const QHostAddress &peer = QHostAddress::LocalHost)
    {
        std::vector<std::optional<HttpResponse>> out(size_t(targets.size()));
        for (qsizetype i = 0; i < targets.size(); ++i) send(targets[i], &out[size_t(i)], headers, peer);
        waitUntil([&out] { return std::all_of(out.begin(), out.end(), [](const auto &r) { return r.has_value(); }); });
        QList<HttpResponse> answers;
        for (const auto &r : out) answers.append(r.value_or(HttpResponse::error(-1, "no answer")));
        return answers;
    }

    // One request handed to the service; *out is set when it answers.
    void send(const QByteArray &target, std::optional<HttpResponse> *out,
              const QList<QPair<QByteArray, QByteArray>> &headers = {},
              const QHostAddress &peer = QHostAddress::LocalHost)
    {
        HttpRequest request;
        request.method = "GET";
        request.target = target;
        request.version = "HTTP/1.1";
        request.peer = peer;
        for (const auto &[name, value] : headers) request.headers.append({name.toLower(), value});
        service->handle(request, [out](HttpResponse r) { *out = r; });
    }

    // Runs the event loop until `done` (false after 20 s).
    static bool waitUntil(const std::function<bool()> &done)
    {
        QElapsedTimer timer;
        timer.start();
        while (!done() && timer.elapsed() < 20000) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        return done();
    }

    // The prefixes listed in config "issuing" (batches between their reserve
    // and store phases).
    QList<QByteArray> issuing() const
    {
        const QByteArray list = store.configBlob(QStringLiteral("issuing"));
        return list.isEmpty() ? QList<QByteArray>() : list.split(' ');
    }

    HttpResponse signedGet(HmacRatchet &ratchet, const QByteArray &target,
                           const QHostAddress &peer = QHostAddress::LocalHost)
    {
        return get(target, {{"Re6stHMAC", ratchet.signRequest(target)}}, peer);
    }

    static QByteArray hmacHeader(const HttpResponse &r)
    {
        for (const auto &[name, value] : r.headers)
            if (name == "Re6stHMAC") return value;
        return {};
    }

    // hello + decrypt: the session secret as the node sees it.
    QByteArray hello(const QByteArray &prefix, const crypto::RsaKey &nodeKey, int protocol = 10,
                     const QHostAddress &peer = QHostAddress::LocalHost)
    {
        const HttpResponse r =
            get("/hello?client_prefix=" + prefix + "&protocol=" + QByteArray::number(protocol), {}, peer);
        if (r.status != 200) return {};
        const qsizetype n = r.body.size() / 2;
        const auto ca = vectorKey("ca.key");
        if (!ca.verifySha512(r.body.left(n), r.body.mid(n))) return {};
        return nodeKey.decrypt(r.body.left(n)).value_or(QByteArray());
    }

    QByteArray csr(const crypto::RsaKey &key)
    {
        const auto req = crypto::CertificateRequest::create({{"O", "test"}, {"CN", "ignored"}}, key);
        return req ? req->toPem() : QByteArray();
    }

    static QByteArray q(const QByteArray &value) { return QUrl::toPercentEncoding(value); }
};

inline RegistryOptions baseOptions()
{
    RegistryOptions o;
    o.ca = "ca.crt";
    o.key = "ca.key";
    return o;
}

} // namespace re6st::registry::test
