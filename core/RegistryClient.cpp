// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/RegistryClient.h"

#include "core/TextChars.h"

#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QTimer>

#include <sys/utsname.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

Q_LOGGING_CATEGORY(lcRegistryClient, "re6st.registryclient")

namespace re6st {

namespace {

struct ParamSpec
{
    const char *name;
    const char *defaultValue; // nullptr: required
};
struct MethodSpec
{
    const char *method;
    QList<ParamSpec> params;
};

// Server-side declaration order of every RPC (registry-protocol.md §6 table).
const QList<MethodSpec> &methodTable()
{
    static const QList<MethodSpec> table = {
        {"hello", {{"client_prefix", nullptr}, {"protocol", "10"}}},
        {"getCa", {}},
        {"requestToken", {{"email", nullptr}}},
        {"requestCertificate", {{"token", nullptr}, {"req", nullptr}, {"location", ""}, {"ip", ""}}},
        {"renewCertificate", {{"cn", nullptr}}},
        {"getDh", {{"cn", nullptr}}},
        {"getNetworkConfig", {{"cn", nullptr}}},
        {"getCountry", {{"cn", nullptr}, {"address", nullptr}}},
        {"getBootstrapPeer", {{"cn", nullptr}}},
        {"isToken", {{"token", nullptr}}},
        {"deleteToken", {{"token", nullptr}}},
        {"addToken", {{"email", nullptr}, {"token", nullptr}}},
        {"revoke", {{"cn_or_serial", nullptr}}},
        {"updateHMAC", {}},
        {"getNodePrefix", {{"email", nullptr}}},
        {"getIPv6Address", {{"email", nullptr}}},
        {"getIPv4Information", {{"email", nullptr}}},
        {"versions", {}},
        {"topology", {}},
    };
    return table;
}

// An error answer's explanation (its page's text) added to the result's message.
void withExplanation(RegistryClient::Result &r, const QByteArray &errorPage)
{
    r.explanation = RegistryClient::errorExplanation(errorPage);
    if (!r.explanation.isEmpty()) r.message += QStringLiteral(": ") + r.explanation;
}

RegistryClient::Result noResult(const QString &message, int httpStatus = 0)
{
    RegistryClient::Result r;
    r.kind = RegistryClient::Result::Kind::NoResult;
    r.message = message;
    r.httpStatus = httpStatus;
    return r;
}

QByteArray cnOf(const formcodec::Params &params)
{
    for (const auto &p : params)
        if (p.first == "cn")
            return p.second;
    return {};
}

} // namespace

RegistryClient::RegistryClient(const QUrl &registry, QObject *parent)
    : QObject(parent), m_registry(registry), m_nam(new QNetworkAccessManager(this))
{
    // registry-protocol.md §4.4: http or https only; IPv6 literal hosts allowed.
    const QString scheme = registry.scheme().toLower();
    if (!registry.isValid())
        m_urlError = tr("invalid registry URL '%1': %2").arg(registry.toString(), registry.errorString());
    else if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        m_urlError = tr("invalid registry URL '%1': use an http:// or https:// URL").arg(registry.toString());
    else if (registry.host().isEmpty())
        m_urlError = tr("invalid registry URL '%1': no host name").arg(registry.toString());
    if (m_urlError.isEmpty()) {
        QUrl base;
        base.setScheme(scheme);
        base.setHost(registry.host());
        base.setPort(registry.port());
        m_base = base.toEncoded(QUrl::FullyEncoded);
        // The base path is sent but not MACed (§4.3); trailing slashes dropped (§16.2 test_init).
        QByteArray path = registry.path(QUrl::FullyEncoded).toLatin1();
        while (path.endsWith('/'))
            path.chop(1);
        m_base += path;
    }
}

RegistryClient::~RegistryClient() = default;

void RegistryClient::setIdentity(const QByteArray &prefixBits, const crypto::RsaKey &nodeKey,
                                 const crypto::Certificate &ca)
{
    m_prefix = prefixBits;
    m_nodeKey = nodeKey;
    m_ca = ca;
    m_ratchet.reset();
}

// Our registry's page: <h1>403 Forbidden</h1><p>MESSAGE</p> (registry/HttpFront).
// Upstream's (Python http.server): <p>Error code: 403</p><p>Message: MESSAGE.</p>...
QString RegistryClient::errorExplanation(const QByteArray &body)
{
    const QString page = QString::fromUtf8(body.left(64 * 1024));
    QString text;
    bool upstream = false;
    static const QRegularExpression paragraph(QStringLiteral("<p>(.*?)</p>"),
                                              QRegularExpression::DotMatchesEverythingOption);
    for (auto it = paragraph.globalMatch(page); it.hasNext();) {
        const QString p = it.next().captured(1);
        if (p.startsWith(QLatin1String("Error code"))) continue; // upstream's code lines
        upstream = p.startsWith(QLatin1String("Message: "));
        text = upstream ? p.mid(9) : p;
        break;
    }
    static const QRegularExpression tag(QStringLiteral("<[^>]*>"));
    text.remove(tag);
    text.replace(QLatin1String("&lt;"), QLatin1String("<")).replace(QLatin1String("&gt;"), QLatin1String(">"))
        .replace(QLatin1String("&quot;"), QLatin1String("\"")).replace(QLatin1String("&#x27;"), QLatin1String("'"))
        .replace(QLatin1String("&#39;"), QLatin1String("'")).replace(QLatin1String("&amp;"), QLatin1String("&"));
    // A hostile registry's page must not forge lines or drive the terminal.
    QString line = text::oneLine(text, kMaxExplanation);
    if (upstream && line.endsWith(u'.')) line.chop(1); // the template's "%(message)s."
    return line;
}

QByteArray RegistryClient::userAgent()
{
    // Same shape as Python's platform.platform(): "<sys>-<release>-<machine>-with-glibc<v>".
    QByteArray platform;
    struct utsname u;
    if (::uname(&u) == 0)
        platform = QByteArray(u.sysname) + '-' + u.release + '-' + u.machine;
    else
        platform = "unknown";
#ifdef __GLIBC__
    platform += QByteArray("-with-glibc") + gnu_get_libc_version();
#endif
    return QByteArray("re6stnet/" RE6ST_VERSION ", ") + platform;
}

std::optional<RegistryClient::Params> RegistryClient::normalizeParams(const QString &method,
                                                                      const Params &params, QString *error)
{
    for (const MethodSpec &spec : methodTable()) {
        if (method != QLatin1String(spec.method))
            continue;
        for (const auto &p : params) {
            const bool known = std::any_of(spec.params.begin(), spec.params.end(),
                                           [&](const ParamSpec &s) { return p.first == s.name; });
            if (!known) {
                if (error)
                    *error = QStringLiteral("%1() got an unexpected parameter '%2'").arg(method, QString::fromUtf8(p.first));
                return std::nullopt;
            }
        }
        Params out;
        for (const ParamSpec &s : spec.params) {
            std::optional<QByteArray> value;
            for (const auto &p : params)
                if (p.first == s.name)
                    value = p.second; // last wins, as the server does
            if (!value && !s.defaultValue) {
                if (error)
                    *error = QStringLiteral("%1() is missing parameter '%2'").arg(method, QLatin1String(s.name));
                return std::nullopt;
            }
            out.append({QByteArray(s.name), value ? *value : QByteArray(s.defaultValue)});
        }
        return out;
    }
    return params;
}

QByteArray RegistryClient::target(const QString &method, const Params &params)
{
    QByteArray t = '/' + method.toUtf8();
    if (!params.isEmpty())
        t += '?' + formcodec::encode(params);
    return t;
}

void RegistryClient::deliverLater(Callback done, Result result)
{
    QMetaObject::invokeMethod(
        this, [done = std::move(done), result = std::move(result)] { if (done) done(result); },
        Qt::QueuedConnection);
}

void RegistryClient::call(const QString &method, const Params &params, Callback done)
{
    Operation op;
    op.method = method;
    op.done = std::move(done);
    if (!m_urlError.isEmpty()) {
        deliverLater(std::move(op.done), noResult(m_urlError));
        return;
    }
    QString error;
    const std::optional<Params> normalized = normalizeParams(method, params, &error);
    if (!normalized) {
        deliverLater(std::move(op.done), noResult(error));
        return;
    }
    op.target = target(method, *normalized);
    op.cn = cnOf(*normalized);
    start(std::move(op));
}

void RegistryClient::start(Operation op)
{
    if (op.cn.isEmpty()) {
        const QString method = op.method;
        get(op.target, {}, [this, method, done = std::move(op.done)](const Answer &a) {
            if (done)
                done(unauthenticatedResult(method, a));
        });
        return;
    }
    m_authQueue.append(std::move(op));
    pumpAuthenticated();
}

void RegistryClient::pumpAuthenticated()
{
    if (m_authBusy || m_authQueue.isEmpty())
        return;
    m_authBusy = true;
    startAuthenticated(m_authQueue.takeFirst());
}

void RegistryClient::finishAuthenticated(const Operation &op, const Result &result)
{
    m_authBusy = false;
    QPointer<RegistryClient> self(this);
    if (op.done)
        op.done(result);
    if (self)
        pumpAuthenticated();
}

// registry-protocol.md §5.2 / §5.4: no cached key -> hello first.
void RegistryClient::startAuthenticated(Operation op)
{
    if (m_ratchet) {
        op.usedCachedKey = true;
        sendSigned(std::move(op));
        return;
    }
    op.usedCachedKey = false;
    if (!hasIdentity()) {
        const Result r = noResult(tr("%1 needs the node key and the CA certificate (no identity set)").arg(op.method));
        QMetaObject::invokeMethod(this, [this, op, r] { finishAuthenticated(op, r); }, Qt::QueuedConnection);
        return;
    }
    const Params hp{{"client_prefix", op.cn}, {"protocol", QByteArray::number(kProtocol)}};
    get(target(QStringLiteral("hello"), hp), {}, [this, op](const Answer &a) mutable {
        const Result hr = unauthenticatedResult(QStringLiteral("hello"), a);
        if (hr.forbidden() || hr.noResult()) {
            finishAuthenticated(op, hr);
            return;
        }
        const QByteArray &body = hr.body;
        const qsizetype n = body.size() / 2;
        if (hr.kind != Result::Kind::Body || n == 0 || body.size() % 2) {
            finishAuthenticated(op, noResult(tr("the registry answered hello with %1 bytes, not an encrypted secret and its signature")
                                                 .arg(body.size())));
            return;
        }
        const QByteArray e = body.left(n);
        if (!m_ca.publicKey().verifySha512(e, body.mid(n))) {
            finishAuthenticated(op, noResult(tr("the registry's hello answer is not signed by the CA of ca.crt: check the registry URL and the CA")));
            return;
        }
        const std::optional<QByteArray> secret = m_nodeKey.decrypt(e);
        if (!secret || secret->isEmpty()) {
            finishAuthenticated(op, noResult(tr("cannot decrypt the registry's hello answer with the node key: does the key match the certificate?")));
            return;
        }
        m_ratchet = HmacRatchet(*secret);
        sendSigned(std::move(op));
    });
}

// registry-protocol.md §5.3 / §5.4.
void RegistryClient::sendSigned(Operation op)
{
    const QByteArray mac = m_ratchet->signRequest(op.target);
    const HmacRatchet verifier = *m_ratchet; // holds this request's response key
    get(op.target, mac, [this, op, verifier](const Answer &a) mutable {
        QString reason;
        if (!a.replied) {
            m_ratchet.reset();
            finishAuthenticated(op, noResult(noAnswerMessage(a)));
            return;
        }
        if (a.status == 200 || a.status == 204) {
            if (verifier.verifyResponse(a.status == 204 ? QByteArray() : a.body, a.mac)) {
                Result r;
                r.kind = a.status == 200 ? Result::Kind::Body : Result::Kind::Empty;
                r.body = a.status == 200 ? a.body : QByteArray();
                r.httpStatus = a.status;
                finishAuthenticated(op, r);
                return;
            }
            reason = tr("the answer of %1 to %2 failed the HMAC check").arg(m_registry.toDisplayString(), op.method);
        } else if (a.status == 403) {
            Result r = unauthenticatedResult(op.method, a);
            finishAuthenticated(op, r);
            return;
        } else {
            reason = tr("%1 answered %2 %3 to %4").arg(m_registry.toDisplayString()).arg(a.status)
                         .arg(QString::fromUtf8(a.reason), op.method);
        }
        m_ratchet.reset();
        if (op.usedCachedKey && !op.retried) {
            qCDebug(lcRegistryClient) << reason << "- new hello and retry";
            op.retried = true;
            startAuthenticated(std::move(op));
            return;
        }
        Result r = noResult(reason, a.status);
        if (a.status >= 400) withExplanation(r, a.body);
        finishAuthenticated(op, r);
    });
}

qint64 RegistryClient::maxAnswerBytes(const QByteArray &target)
{
    const qsizetype query = target.indexOf('?');
    const QByteArray method = target.mid(1, query < 0 ? -1 : query - 1);
    static const QList<QByteArray> small = {"hello", "getCa", "requestToken", "requestCertificate",
                                            "renewCertificate", "getDh", "getNetworkConfig", "getCountry",
                                            "getBootstrapPeer", "isToken", "addToken", "deleteToken",
                                            "revoke", "updateHMAC", "getNodePrefix", "getIPv6Address",
                                            "getIPv4Information"};
    return small.contains(method) ? kMaxAnswerBytes : kMaxListAnswerBytes;
}

QString RegistryClient::noAnswerMessage(const Answer &a) const
{
    if (a.tooLarge)
        return tr("%1 sent an answer larger than %2 KiB: is it a re6st registry?")
            .arg(m_registry.toDisplayString())
            .arg(a.tooLarge / 1024);
    if (a.timedOut)
        return tr("cannot reach %1: no answer within %2 s").arg(m_registry.toDisplayString()).arg(m_timeoutMs / 1000.0);
    return tr("cannot reach %1: %2").arg(m_registry.toDisplayString(), a.error);
}

RegistryClient::Result RegistryClient::unauthenticatedResult(const QString &method, const Answer &a) const
{
    Result r;
    r.httpStatus = a.status;
    if (!a.replied)
        return noResult(noAnswerMessage(a));
    if (a.status == 200) {
        r.kind = Result::Kind::Body;
        r.body = a.body;
    } else if (a.status == 204) {
        r.kind = Result::Kind::Empty;
    } else if (a.status == 403) {
        r.kind = Result::Kind::Forbidden;
        r.message = tr("%1 refused %2 (403 %3)").arg(m_registry.toDisplayString(), method, QString::fromUtf8(a.reason));
    } else {
        r = noResult(tr("%1 answered %2 %3 to %4").arg(m_registry.toDisplayString()).arg(a.status)
                         .arg(QString::fromUtf8(a.reason), method),
                     a.status);
    }
    withExplanation(r, a.body);
    return r;
}

void RegistryClient::get(const QByteArray &target, const QByteArray &mac, std::function<void(const Answer &)> done)
{
    // Built by hand and parsed strictly so that the bytes on the wire are the
    // bytes we MAC (registry-protocol.md §4.4 "Pitfall for Qt clients").
    const QUrl url = QUrl::fromEncoded(m_base + target, QUrl::StrictMode);
    if (!url.isValid()) {
        Answer a;
        a.error = tr("cannot build a valid URL for %1").arg(QString::fromUtf8(target.left(64)));
        QMetaObject::invokeMethod(this, [done = std::move(done), a] { done(a); }, Qt::QueuedConnection);
        return;
    }
    QNetworkRequest request(url);
    request.setRawHeader("User-Agent", userAgent());
    // Qt adds "gzip, deflate" otherwise; identity = no content coding, like upstream.
    request.setRawHeader("Accept-Encoding", "identity");
    if (!mac.isEmpty())
        request.setRawHeader("Re6stHMAC", mac);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (m_ssl && url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(*m_ssl);

    QNetworkReply *reply = m_nam->get(request);
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, reply, [reply] {
        reply->setProperty("re6stTimedOut", true);
        reply->abort();
    });
    timer->start(m_timeoutMs);
    const qint64 limit = maxAnswerBytes(target);
    // Flow control: past the bound, QNetworkAccessManager's HTTP thread stops
    // reading the socket instead of buffering whatever the server sends until
    // this thread gets to abort (77 MB once, on a loaded machine).
    reply->setReadBufferSize(2 * limit);
    const auto cut = [reply, limit] {
        const qint64 announced = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        if (reply->bytesAvailable() <= limit && announced <= limit) return;
        reply->setProperty("re6stTooLarge", limit);
        reply->abort();
    };
    connect(reply, &QNetworkReply::metaDataChanged, reply, cut);
    connect(reply, &QNetworkReply::readyRead, reply, cut);
    connect(reply, &QNetworkReply::finished, this, [this, reply, done = std::move(done)] {
        reply->deleteLater();
        Answer a;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        a.timedOut = reply->property("re6stTimedOut").toBool();
        a.tooLarge = reply->property("re6stTooLarge").toLongLong();
        if (status.isValid() && !a.timedOut && !a.tooLarge) {
            a.replied = true;
            a.status = status.toInt();
            // Shown in messages: one line, no escapes (a hostile registry or path).
            a.reason = text::oneLine(QString::fromUtf8(
                                         reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray()),
                                     kMaxReason)
                           .toUtf8();
            a.body = reply->readAll();
            a.mac = reply->rawHeader("Re6stHMAC");
        } else {
            a.error = reply->errorString();
        }
        Q_EMIT exchanged(reachedRegistry(a.replied, a.status));
        done(a);
    });
}

// ---- typed helpers -------------------------------------------------------

void RegistryClient::callWithCn(const QString &method, Params params, Callback done)
{
    params.prepend({"cn", m_prefix});
    if (m_prefix.isEmpty()) {
        deliverLater(std::move(done), noResult(tr("%1 needs the node prefix (no identity set)").arg(method)));
        return;
    }
    call(method, params, std::move(done));
}

void RegistryClient::hello(const QByteArray &clientPrefix, Callback done, const QByteArray &protocol)
{
    call(QStringLiteral("hello"), {{"client_prefix", clientPrefix}, {"protocol", protocol}}, std::move(done));
}

void RegistryClient::getCa(Callback done) { call(QStringLiteral("getCa"), {}, std::move(done)); }

void RegistryClient::requestToken(const QString &email, Callback done)
{
    call(QStringLiteral("requestToken"), {{"email", email.toUtf8()}}, std::move(done));
}

void RegistryClient::requestCertificate(const QString &token, const QByteArray &csrPem, const QString &location,
                                        const QString &ip, Callback done)
{
    call(QStringLiteral("requestCertificate"),
         {{"token", token.toUtf8()}, {"req", csrPem}, {"location", location.toUtf8()}, {"ip", ip.toUtf8()}},
         std::move(done));
}

void RegistryClient::requestCertificate(const QString &token, const QByteArray &csrPem, const QString &location,
                                        Callback done)
{
    requestCertificate(token, csrPem, location, QString(), std::move(done));
}

void RegistryClient::renewCertificate(Callback done) { callWithCn(QStringLiteral("renewCertificate"), {}, std::move(done)); }
void RegistryClient::getDh(Callback done) { callWithCn(QStringLiteral("getDh"), {}, std::move(done)); }
void RegistryClient::getNetworkConfig(Callback done) { callWithCn(QStringLiteral("getNetworkConfig"), {}, std::move(done)); }
void RegistryClient::getBootstrapPeer(Callback done) { callWithCn(QStringLiteral("getBootstrapPeer"), {}, std::move(done)); }

void RegistryClient::getCountry(const QString &address, Callback done)
{
    callWithCn(QStringLiteral("getCountry"), {{"address", address.toUtf8()}}, std::move(done));
}

void RegistryClient::isToken(const QString &token, Callback done)
{
    call(QStringLiteral("isToken"), {{"token", token.toUtf8()}}, std::move(done));
}

void RegistryClient::addToken(const QString &email, const QString &token, Callback done)
{
    call(QStringLiteral("addToken"), {{"email", email.toUtf8()}, {"token", token.toUtf8()}}, std::move(done));
}

void RegistryClient::deleteToken(const QString &token, Callback done)
{
    call(QStringLiteral("deleteToken"), {{"token", token.toUtf8()}}, std::move(done));
}

void RegistryClient::revoke(const QString &cnOrSerial, Callback done)
{
    call(QStringLiteral("revoke"), {{"cn_or_serial", cnOrSerial.toUtf8()}}, std::move(done));
}

void RegistryClient::updateHMAC(Callback done) { call(QStringLiteral("updateHMAC"), {}, std::move(done)); }

void RegistryClient::getNodePrefix(const QString &email, Callback done)
{
    call(QStringLiteral("getNodePrefix"), {{"email", email.toUtf8()}}, std::move(done));
}

void RegistryClient::getIPv6Address(const QString &email, Callback done)
{
    call(QStringLiteral("getIPv6Address"), {{"email", email.toUtf8()}}, std::move(done));
}

void RegistryClient::getIPv4Information(const QString &email, Callback done)
{
    call(QStringLiteral("getIPv4Information"), {{"email", email.toUtf8()}}, std::move(done));
}

void RegistryClient::versions(Callback done) { call(QStringLiteral("versions"), {}, std::move(done)); }
void RegistryClient::topology(Callback done) { call(QStringLiteral("topology"), {}, std::move(done)); }

} // namespace re6st
