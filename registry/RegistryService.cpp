// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/RegistryService.h"
#include "registry/RegistryCall.h"

#include "core/Addressing.h"
#include "core/FormCodec.h"
#include "core/MailAddress.h"
#include "core/NetworkVersion.h"
#include "core/PythonJson.h"
#include "core/TextChars.h"
#include "core/Zlib.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/Digest.h"
#include "registry/GeoIp.h"
#include "registry/LocalNode.h"
#include "registry/Mailer.h"
#include "registry/PrefixAllocator.h"
#include "registry/RequesterSite.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <algorithm>
#include <limits>

Q_LOGGING_CATEGORY(lcRegistry, "re6st.registry")

namespace re6st::registry {

namespace {

enum class Access { Public, Private };

struct Param
{
    const char *name;
    const char *defaultValue; // nullptr = required
};

constexpr char kHmacHeader[] = "Re6stHMAC";

} // namespace

struct RegistryService::MethodSpec
{
    const char *name;
    Access access;
    QList<Param> params;
    Method method;
};


RegistryService::RegistryService(const RegistryOptions &options, Dependencies deps, QObject *parent)
    : QObject(parent), m_options(options), m_deps(std::move(deps)), m_store(*m_deps.store),
      m_now([] { return QDateTime::currentSecsSinceEpoch(); })
{
    m_network = addressing::networkFromSerialHex(m_deps.ca.serialHex()).value_or(QByteArray());
    m_caPem = m_deps.ca.toPem();
    m_signer = crypto::CertificateSigner(m_deps.ca, m_deps.caKey);
    m_caEmail = crypto::subjectValue(m_deps.ca.subject(), "emailAddress");

    // §6: exact parameter names and order; defaults may be omitted.
    static const MethodSpec specs[] = {
        {"hello", Access::Public, {{"client_prefix", nullptr}, {"protocol", "1"}}, &RegistryService::hello},
        {"getCa", Access::Public, {}, &RegistryService::getCa},
        {"requestToken", Access::Public, {{"email", nullptr}}, &RegistryService::requestToken},
        {"requestCertificate", Access::Public,
         {{"token", nullptr}, {"req", nullptr}, {"location", ""}, {"ip", ""}},
         &RegistryService::requestCertificate},
        {"renewCertificate", Access::Public, {{"cn", nullptr}}, &RegistryService::renewCertificate},
        {"getDh", Access::Public, {{"cn", nullptr}}, &RegistryService::getDh},
        {"getNetworkConfig", Access::Public, {{"cn", nullptr}}, &RegistryService::getNetworkConfig},
        {"getCountry", Access::Public, {{"cn", nullptr}, {"address", nullptr}}, &RegistryService::getCountry},
        {"getBootstrapPeer", Access::Public, {{"cn", nullptr}}, &RegistryService::getBootstrapPeer},
        {"isToken", Access::Private, {{"token", nullptr}}, &RegistryService::isToken},
        {"deleteToken", Access::Private, {{"token", nullptr}}, &RegistryService::deleteToken},
        {"addToken", Access::Private, {{"email", nullptr}, {"token", nullptr}}, &RegistryService::addToken},
        {"revoke", Access::Private, {{"cn_or_serial", nullptr}}, &RegistryService::revoke},
        {"updateHMAC", Access::Private, {}, &RegistryService::updateHMAC},
        {"getNodePrefix", Access::Private, {{"email", nullptr}}, &RegistryService::getNodePrefix},
        {"getIPv6Address", Access::Private, {{"email", nullptr}}, &RegistryService::getIPv6Address},
        {"getIPv4Information", Access::Private, {{"email", nullptr}}, &RegistryService::getIPv4Information},
        {"versions", Access::Private, {}, &RegistryService::versions},
        {"topology", Access::Private, {}, &RegistryService::topology},
    };
    for (const MethodSpec &spec : specs) m_methods.insert(QByteArray(spec.name), &spec);

    m_cleanupTimer.setSingleShot(true);
    connect(&m_cleanupTimer, &QTimer::timeout, this, [this] { runCleanup(); });
    m_configRetryTimer.setSingleShot(true);
    m_configRetryTimer.setInterval(ConfigRetrySeconds * 1000);
    connect(&m_configRetryTimer, &QTimer::timeout, this, [this] { updateNetworkConfig(); });
    m_sessionExpiryTimer.setInterval(int(SessionTable::PendingLifetime * 1000));
    connect(&m_sessionExpiryTimer, &QTimer::timeout, this, [this] { m_sessions.expire(now()); });
    m_sessionExpiryTimer.start();
}

RegistryService::~RegistryService()
{
    // Batches whose CSRs or signatures are on worker threads: let those finish
    // (they use the batch and m_deps), without running the next phase. Their
    // reserved prefixes are freed at the next start.
    for (const auto &batch : m_issueBatches) {
        batch->watcher.disconnect();
        batch->watcher.waitForFinished();
    }
}

bool RegistryService::start(QString *error)
{
    if (m_network.isEmpty()) {
        if (error)
            *error = QStringLiteral("the CA serial does not encode a network prefix (registry-protocol.md "
                                    "§2.1); re-issue the CA with -set_serial 0x1<prefix>");
        return false;
    }
    if (!recoverInterruptedIssuance(error)) return false;
    reloadConfigCache();
    // One streaming pass over the stored certificates (one PEM at a time);
    // afterwards nothing parses them all again.
    if (m_index.rebuild(m_store) < 0) {
        if (error) *error = QStringLiteral("cannot read the cert table: %1; check the --db file").arg(m_store.lastError());
        return false;
    }
    if (!runCleanup()) {
        if (error) *error = QStringLiteral("the registry node's certificate expired long ago: wrong clock?");
        return false;
    }
    reloadConfigCache();
    if (!registryPrefix().isEmpty()) {
        updateNetworkConfig();
    } else {
        // §9.5: a network with no node yet starts in the "normal" HMAC state.
        RegistryStore::Transaction transaction(m_store);
        m_store.setConfig(QStringLiteral("babel_hmac0"), crypto::randomBytes(16));
        if (!transaction.commit()) {
            if (error) *error = QStringLiteral("cannot write the first Babel HMAC key to the database: %1; check the --db file and its file system").arg(m_store.lastError());
            return false;
        }
        reloadConfigCache();
    }
    return true;
}

QByteArray RegistryService::registryPrefix() const
{
    return m_cache.registryPrefix;
}

void RegistryService::reloadConfigCache()
{
    m_cache.registryPrefix = m_store.configBlob(QStringLiteral("prefix"));
    m_cache.version = m_store.configBlob(QStringLiteral("version"));
    if (m_cache.version.isEmpty()) m_cache.version = QByteArray(1, '\0');
    const QVariant valid = m_store.config(QStringLiteral("valid_until"));
    m_cache.validUntil = valid.isValid() && !valid.isNull() ? std::optional<double>(valid.toDouble()) : std::nullopt;
    m_cache.hmacKeys = babelHmacKeys();
}

void RegistryService::handle(const HttpRequest &request, HttpFront::Responder reply)
{
    dispatch(request, std::move(reply));
}

void RegistryService::dispatch(const HttpRequest &request, HttpFront::Responder httpReply)
{
    auto error = [&](int status, const QByteArray &message) {
        qCDebug(lcRegistry) << status << message << request.target.left(200);
        httpReply(HttpResponse::error(status, message));
    };
    // §4.1: "/<method>" or "/<method>?<query>", exactly one '/'.
    const QByteArray &target = request.target;
    if (!target.startsWith('/')) return error(400, "Bad request target");
    const qsizetype q = target.indexOf('?');
    const QByteArray name = q < 0 ? target.mid(1) : target.mid(1, q - 1);
    if (name.contains('/')) return error(400, "Bad request target");
    const MethodSpec *spec = m_methods.value(name);
    if (!spec) return error(400, "Unknown method");
    const auto decoded = formcodec::decode(q < 0 ? QByteArray() : target.mid(q + 1));
    if (!decoded) return error(400, "Malformed query");

    Call call;
    call.mayLog = [self = QPointer<RegistryService>(this)](const QString &key, QString *leftOut) {
        return !self || self->mayLog(key, leftOut);
    };
    call.origin = requesterOrigin(request.peer);
    call.site = requesterSite(call.origin, m_network);
    call.trustedOrigin = m_options.authorizedOrigins.contains(request.peer.toString());
    for (const auto &[key, value] : *decoded) call.params.insert(key, value); // last wins
    for (auto it = call.params.cbegin(); it != call.params.cend(); ++it) {
        const bool known = std::any_of(spec->params.cbegin(), spec->params.cend(),
                                       [&](const Param &p) { return it.key() == p.name; });
        if (!known) return error(400, "Unexpected parameter " + it.key());
    }
    for (const Param &p : spec->params) {
        if (call.params.contains(p.name)) continue;
        if (!p.defaultValue) return error(400, QByteArray("Missing parameter ") + p.name);
        call.params.insert(p.name, p.defaultValue);
    }

    const QByteArray forwarded = request.header("x-forwarded-for");
    // §6.3 ip autofill (§18.2: TCP peer address rather than the Host header).
    auto ip = call.params.find("ip");
    if (ip != call.params.end() && ip->isEmpty()) {
        const QByteArray first = forwarded.split(',').value(0).trimmed();
        *ip = first.isEmpty() ? request.peer.toString().toUtf8() : first;
    }
    // §6.0: peer and the whole X-Forwarded-For value must be authorized.
    const QString peer = spec->access == Access::Private ? request.peer.toString() : QString();
    if (spec->access == Access::Private
        && (!m_options.authorizedOrigins.contains(peer)
            || (request.hasHeader("x-forwarded-for")
                && !m_options.authorizedOrigins.contains(QString::fromUtf8(forwarded))))) {
        // Anyone can cause this line: rate-limited, the header value cut short
        // (and escaped, like every line, by the process log).
        if (QString leftOut; mayLog(QStringLiteral("private method refused"), &leftOut))
            qCWarning(lcRegistry).noquote()
                << "private method" << name << "refused to" << peer
                << (forwarded.isEmpty() ? QString()
                                        : QStringLiteral("(X-Forwarded-For %1)")
                                              .arg(text::oneLine(QString::fromUtf8(forwarded.left(1024)), 200)))
                << "- add it with --authorized-origin if it is trusted" + leftOut;
        return error(403, "Forbidden");
    }

    auto cn = call.params.find("cn");
    if (cn != call.params.end()) {
        // §5.1 / §18.1: an empty cn must not bypass authentication.
        if (cn->isEmpty()) return error(400, "Empty cn");
        if (!m_sessions.contains(*cn)) return error(401, "No session: call hello first");
        const QByteArray header = request.header("re6sthmac");
        const auto mac = QByteArray::fromBase64Encoding(header, QByteArray::AbortOnBase64DecodingErrors);
        if (header.isEmpty() || !mac) return error(400, "Missing or malformed Re6stHMAC header");
        const SessionTable::Auth auth = m_sessions.authenticate(*cn, target, mac.decoded, now());
        if (auth.status == SessionTable::Status::NoSession) return error(401, "No session: call hello first");
        if (auth.status != SessionTable::Status::Ok) return error(400, "Wrong HMAC");
        call.authenticated = true;
        call.responseKey = auth.responseKey;
        call.protocol = auth.protocol;
    }

    call.reply = [this, httpReply, authenticated = call.authenticated,
                  key = call.responseKey](int status, const QByteArray &body) {
        HttpResponse response;
        response.status = status == 200 && body.isEmpty() ? 204 : status;
        response.body = response.status == 204 ? QByteArray() : body;
        if (authenticated && (response.status == 200 || response.status == 204))
            response.headers.append({kHmacHeader, crypto::hmacSha1(key, response.body).toBase64()});
        // §18.7: no answer leaves before every commit made so far is on disk
        // (issuance commits without waiting for its fdatasync, which
        // RegistryStore runs in the background: Durability::Grouped).
        m_store.whenDurable([httpReply, response](const QString &error) {
            if (error.isEmpty()) return httpReply(response);
            httpReply(HttpResponse::error(500, "The registry database could not be written to disk; retry later"));
        });
    };
    (this->*(spec->method))(call);
}

std::optional<crypto::Certificate> RegistryService::storedCertificate(const QByteArray &prefix) const
{
    const auto row = m_store.row(prefix);
    if (!row || !row->isAllocated()) return std::nullopt;
    const auto cached = m_certCache.constFind(prefix);
    if (cached != m_certCache.cend() && cached->first == row->cert) return cached->second;
    auto cert = crypto::Certificate::fromPem(row->cert);
    if (!cert) return std::nullopt;
    if (m_certCache.size() >= CertCacheSize) m_certCache.clear(); // bound the memory
    m_certCache.insert(prefix, {row->cert, *cert});
    return cert;
}

bool RegistryService::mayLog(const QString &key, QString *leftOut)
{
    quint64 left = 0;
    if (!m_logThrottle.allow(key, now() * 1000, &left)) return false;
    *leftOut = LogThrottle::leftOut(left, QStringLiteral("such lines"));
    return true;
}

// §5.2
void RegistryService::hello(Call &call)
{
    const QByteArray prefix = call.param("client_prefix");
    // §18.9: answer 400 instead of dropping the connection.
    if (!prefix.isEmpty()
        && (!addressing::isBitString(prefix) || prefix.size() > 128 - m_network.size()))
        return call.fail(400, QStringLiteral("hello: invalid client_prefix"));
    if (!call.trustedOrigin && !m_helloLimit.admit(call.origin, now() * 1000))
        return call.fail(503, QStringLiteral("hello: more than %1 a second from your network; retry in a few seconds")
                                  .arg(HelloPerSecond));
    if (!call.trustedOrigin && !m_helloSiteLimit.admit(call.site, now() * 1000))
        return call.fail(503, QStringLiteral("hello: more than %1 a second from your site (/48, IPv4 /24, or node); "
                                             "retry in a few seconds")
                                  .arg(HelloSitePerSecond));
    const auto cert = storedCertificate(prefix);
    if (!cert) return call.fail(404, QStringLiteral("hello: no certificate for this prefix; enroll with re6st-conf"));
    bool ok = false;
    const int protocol = call.param("protocol").trimmed().toInt(&ok);
    if (!ok) return call.fail(500, QStringLiteral("hello: protocol is not an integer"));
    const crypto::RsaKey key = cert->publicKey();
    if (key.sizeBytes() != m_deps.caKey.sizeBytes())
        return call.fail(500, QStringLiteral("hello: node %1 has a key of %2 bits but the CA key has %3 "
                                             "bits; the node must re-enroll with a key of the CA size")
                                  .arg(cert->commonName())
                                  .arg(key.bits())
                                  .arg(m_deps.caKey.bits()));
    const QByteArray secret = m_sessions.hello(prefix, protocol, call.origin, call.site, now());
    const auto encrypted = key.encrypt(secret);
    const auto signature = encrypted ? m_deps.caKey.signSha512(*encrypted) : std::nullopt;
    if (!encrypted || !signature || encrypted->size() != signature->size())
        return call.fail(500, QStringLiteral("hello: RSA encryption/signature failed"));
    call.ok(*encrypted + *signature);
}

void RegistryService::getCa(Call &call)
{
    call.ok(m_caPem);
}

QString RegistryService::newToken() const
{
    // §7.1: 8 distinct lowercase letters (CSPRNG, §18.12).
    QByteArray letters = "abcdefghijklmnopqrstuvwxyz";
    const QByteArray random = crypto::randomBytes(8);
    QString token;
    for (int i = 0; i < 8; ++i) {
        const int index = quint8(random[i]) % letters.size();
        token += QLatin1Char(letters[index]);
        letters.remove(index, 1);
    }
    return token;
}

bool RegistryService::storeNewToken(const QString &email, qint64 date, QString *token)
{
    // A new random token until one is not taken yet (26!/18! of them): a
    // failed INSERT is not a collision, and must not be retried in a loop
    // that would hold the event loop (and fill the log) as long as the
    // database refuses writes.
    for (int attempt = 0; attempt < 100; ++attempt) {
        *token = newToken();
        switch (m_store.insertToken({*token, email, m_options.prefixLength, date})) {
        case RegistryStore::Change::Made: return true;
        case RegistryStore::Change::None: continue;
        case RegistryStore::Change::Failed: return false;
        }
    }
    return false;
}

QString RegistryService::databaseError(const char *method) const
{
    return QStringLiteral("%1: database error (%2), retry later")
        .arg(QLatin1String(method), m_store.lastError().isEmpty() ? QStringLiteral("unknown") : m_store.lastError());
}

// Without a bound, anyone could make the registry mail any address without
// end. Counted from the token table (its pending tokens, whoever made them),
// so the bound holds across restarts; a used or expired token no longer counts.
std::optional<QString> RegistryService::tokenMailRefusal(const QString &email) const
{
    const qint64 t = now();
    const auto recent = m_store.tokensOf(email, t - 86400);
    if (!recent) return std::nullopt;
    const qint64 ago = t - recent->latest; // negative after the clock was set back: no bound from it
    // The minute counts from the latest token mailed: not from one whose mail failed.
    const bool mailed = m_unmailed.value(email, -1) != recent->latest;
    if (recent->count && mailed && ago >= 0 && ago < TokenMailInterval)
        return QStringLiteral("a token was mailed to %1 %2 s ago; use it, or ask again in %3 s")
            .arg(email)
            .arg(ago)
            .arg(TokenMailInterval - ago);
    if (recent->count >= TokenMailsPerDay)
        return QStringLiteral("%1 unused tokens were mailed to %2 in the last 24 hours; use one of them, "
                              "or ask the registry administrator")
            .arg(recent->count)
            .arg(email);
    return QString();
}

// §6.2
void RegistryService::requestToken(Call &call)
{
    if (m_options.mailhost.isEmpty())
        return call.fail(403, QStringLiteral("requestToken: no --mailhost, email registration disabled"));
    if (m_options.prefixLength == 0)
        return call.fail(403, QStringLiteral("requestToken: --prefix-length 0, email registration disabled"));
    const QString email = call.text("email");
    // Not checked upstream: a line break in the address injected SMTP commands
    // (RCPT TO) and mail headers; mail::addressError is also every client's rule.
    if (const QString error = mail::addressError(email); !error.isNull())
        return call.fail(400, QStringLiteral("requestToken: ") + error);
    const std::optional<QString> refusal = tokenMailRefusal(email);
    if (!refusal) return call.fail(500, databaseError("requestToken"));
    if (!refusal->isNull()) return call.fail(403, QStringLiteral("requestToken: ") + *refusal);
    if (!call.trustedOrigin && !m_tokenMailLimit.admit(call.origin, now() * 1000))
        return call.fail(403, QStringLiteral("requestToken: %1 token mails were asked from your network lately; "
                                             "ask again in %2 s")
                                  .arg(TokenMailBurst)
                                  .arg((m_tokenMailLimit.waitMs(call.origin, now() * 1000) + 999) / 1000));
    QString token;
    const qint64 date = now();
    if (!storeNewToken(email, date, &token)) return call.fail(500, databaseError("requestToken"));
    cleanupAfterCreation(date);
    qCInfo(lcRegistry).noquote() << "token created for" << email;
    if (!m_deps.mailer) {
        noteUnmailed(email, date);
        return call.fail(500, QStringLiteral("requestToken: no mailer configured"));
    }
    auto reply = call.reply;
    m_deps.mailer->sendToken(email, token, [self = QPointer<RegistryService>(this), reply, email,
                                            date](bool ok, const QString &error) {
        if (self && ok) self->m_unmailed.remove(email);
        if (self && !ok) self->noteUnmailed(email, date);
        if (ok) return reply(204, {});
        // §6.2 / §18.13: the token stays valid; the client sees 500 and may
        // ask again at once (the requester's budget stays spent: a failure
        // anyone can cause, a refused recipient say, must not be free).
        qCWarning(lcRegistry).noquote() << "token mail to" << email << "failed:" << error;
        reply(500, error.toUtf8());
    });
}

void RegistryService::noteUnmailed(const QString &email, qint64 date)
{
    if (m_unmailed.size() >= MaxUnmailed && !m_unmailed.contains(email)) m_unmailed.clear();
    m_unmailed.insert(email, date);
}

template<typename KeySource>
std::optional<crypto::Certificate> RegistryService::issue(const crypto::Subject &subject,
                                                          const KeySource &keyFrom, qint64 notAfter,
                                                          QString *error)
{
    // §7.5: X.509 serial = config serial + 1, stored back.
    const qint64 serial = m_store.config(QStringLiteral("serial")).toLongLong() + 1;
    const auto cert = crypto::Certificate::issue(m_deps.ca, m_deps.caKey, quint64(serial), subject,
                                                 keyFrom, now(), notAfter);
    if (!cert) {
        if (error) *error = QStringLiteral("cannot create the certificate");
        return std::nullopt;
    }
    m_store.setConfig(QStringLiteral("serial"), serial);
    return cert;
}

// §8.1: the stored subject, kept as it is, unless it names two CNs or two
// serialNumbers (issued before subjectReplace removed every one, or by
// upstream): then one of each, the registry's (the prefix's CN, the last
// serialNumber, which the registry appended).
crypto::Subject RegistryService::renewedSubject(const crypto::Certificate &cert, const QByteArray &prefix)
{
    crypto::Subject subject = cert.subject();
    const auto count = [&](const char *name) {
        return std::count_if(subject.cbegin(), subject.cend(), [name](const crypto::SubjectEntry &e) {
            return crypto::shortAttributeName(e.name) == name;
        });
    };
    if (count("CN") <= 1 && count("serialNumber") <= 1) return subject;
    if (const qint64 serial = CertificateIndex::entryOf(cert).subjectSerial; serial >= 0)
        crypto::subjectReplace(subject, "serialNumber", QString::number(serial));
    crypto::subjectReplace(subject, "CN", addressing::cnFromBits(prefix));
    return subject;
}

// §8.1
void RegistryService::renewCertificate(Call &call)
{
    const QByteArray prefix = call.param("cn");
    const auto cert = storedCertificate(prefix);
    if (!cert) return call.fail(404, QStringLiteral("renewCertificate: no certificate for this prefix"));
    const qint64 notAfter = cert->notAfter();
    qint64 newNotAfter = 0;
    if (notAfter - RenewPeriod < now())
        newNotAfter = now() + CertDuration;
    else if (m_store.isRevoked(cert->serialDecimal().toLongLong()))
        newNotAfter = notAfter;
    else if (const auto row = m_store.row(prefix))
        return call.ok(row->cert); // as stored, byte for byte
    else
        return call.fail(500, databaseError("renewCertificate"));
    RegistryStore::Transaction transaction(m_store);
    if (!transaction.isActive()) return call.fail(500, databaseError("renewCertificate"));
    QString error;
    const auto renewed = issue(renewedSubject(*cert, prefix), *cert, newNotAfter, &error);
    if (!renewed) return call.fail(500, QStringLiteral("renewCertificate: %1").arg(error));
    const QByteArray pem = renewed->toPem();
    auto row = m_store.row(prefix);
    if (!row) return call.fail(500, databaseError("renewCertificate"));
    row->cert = pem;
    m_store.setRow(*row);
    const auto entry = CertificateIndex::entryOf(*renewed);
    if (!transaction.commit()) return call.fail(500, databaseError("renewCertificate"));
    m_index.insert(prefix, entry);
    ++m_counters.certificatesRenewed;
    m_certCache.remove(prefix);
    qCInfo(lcRegistry).noquote() << "renewed certificate" << cert->commonName();
    cleanupAfterCreation(entry.notAfter);
    call.ok(pem);
}

void RegistryService::getDh(Call &call)
{
    if (m_deps.dh.isEmpty())
        return call.fail(500, QStringLiteral("getDh: the registry was started without --dh; give it a DH "
                                             "parameters file (openssl dhparam -out dh2048.pem 2048)"));
    call.ok(m_deps.dh);
}

BabelHmacKeys RegistryService::babelHmacKeys() const
{
    auto load = [this](const char *name) -> std::optional<QByteArray> {
        const QString key = QString::fromLatin1(name);
        if (!m_store.hasConfig(key)) return std::nullopt;
        const QVariant value = m_store.config(key);
        if (value.isNull()) return std::nullopt;
        const QByteArray blob = m_store.configBlob(key);
        return blob.isNull() ? QByteArray("") : blob;
    };
    return {load("babel_hmac0"), load("babel_hmac1"), load("babel_hmac2")};
}

// §6.6, §9.1
void RegistryService::getNetworkConfig(Call &call)
{
    const auto cert = storedCertificate(call.param("cn"));
    if (!cert) return call.fail(404, QStringLiteral("getNetworkConfig: no certificate for this prefix"));
    QString error;
    const auto json = NetworkConfigBuilder::clientConfigJson(m_staticConfig, m_cache.version, m_cache.validUntil,
                                                             m_cache.hmacKeys, cert->publicKey(), &error);
    if (!json) return call.fail(500, QStringLiteral("getNetworkConfig: %1").arg(error));
    call.ok(zlib::compress(*json));
}

// §6.7
void RegistryService::getCountry(Call &call)
{
    if (!m_deps.geoip || !m_deps.geoip->isOpen())
        return call.fail(400, QStringLiteral("getCountry: GeoIP is not configured (set GEOIP2_MMDB)"));
    const GeoIp::Location location = m_deps.geoip->lookup(call.text("address"));
    if (!location.found()) return call.noContent();
    call.ok(location.country.toUtf8());
}

// §6.8
void RegistryService::getBootstrapPeer(Call &call)
{
    const QByteArray cn = call.param("cn");
    const auto cert = storedCertificate(cn);
    if (!cert) return call.fail(404, QStringLiteral("getBootstrapPeer: no certificate for this prefix"));
    if (!m_deps.localNode) return call.noContent();
    const crypto::RsaKey key = cert->publicKey();
    const int protocol = call.protocol;
    auto reply = call.reply;
    if (m_bootstrapPeers.isEmpty() || now() >= m_bootstrapExpiry) {
        // Refresh the 60 s peer list from a babeld dump, then continue.
        QPointer<RegistryService> self(this);
        m_deps.localNode->routedPrefixes([self, cn, key, protocol, reply](QList<QByteArray> peers) {
            if (!self) return reply(500, "registry shutting down");
            const QByteArray registry = self->registryPrefix();
            if (!registry.isEmpty() && !peers.contains(registry)) peers.append(registry);
            std::shuffle(peers.begin(), peers.end(), *QRandomGenerator::global());
            self->m_bootstrapPeers = peers;
            self->m_bootstrapExpiry = self->now() + BootstrapCacheSeconds;
            self->sendBootstrapPeer(cn, key, protocol, reply);
        });
        return;
    }
    sendBootstrapPeer(cn, key, protocol, reply);
}

void RegistryService::sendBootstrapPeer(const QByteArray &cn, const crypto::RsaKey &key, int protocol,
                                        const std::function<void(int, const QByteArray &)> &reply)
{
    if (m_bootstrapPeers.isEmpty()) return reply(204, {});
    const QByteArray registry = registryPrefix();
    QByteArray peer = m_bootstrapPeers.takeLast();
    if (peer == cn) peer = registry;
    if (peer.isEmpty()) return reply(204, {});
    m_deps.localNode->queryAddress(peer, [reply, peer, key, protocol](std::optional<QByteArray> addresses) {
        if (!addresses || addresses->isEmpty()) return reply(204, {});
        QList<QByteArray> items = addresses->split(';');
        if (protocol < 7) // no country field toward old nodes
            for (QByteArray &item : items) {
                QList<QByteArray> fields = item.split(',');
                if (fields.size() > 3) item = fields.mid(0, 3).join(',');
            }
        // §18.10: drop addresses until the plaintext fits PKCS#1 v1.5 (k - 11).
        QByteArray plain;
        while (!items.isEmpty()) {
            plain = peer + ' ' + items.join(';');
            if (plain.size() <= key.sizeBytes() - 11) break;
            items.removeLast();
        }
        if (items.isEmpty()) return reply(204, {});
        const auto encrypted = key.encrypt(plain);
        if (!encrypted) {
            qCWarning(lcRegistry) << "getBootstrapPeer: RSA encryption failed";
            return reply(500, "RSA encryption failed");
        }
        reply(200, *encrypted);
    });
}

void RegistryService::isToken(Call &call)
{
    if (m_store.token(call.text("token"))) return call.ok("1");
    call.noContent();
}

void RegistryService::deleteToken(Call &call)
{
    // §6.9: 204 whether or not the token existed; not when it may still exist.
    if (m_store.deleteToken(call.text("token")) == RegistryStore::Change::Failed)
        return call.fail(500, databaseError("deleteToken"));
    call.noContent();
}

// §6.9
void RegistryService::addToken(Call &call)
{
    if (m_options.prefixLength == 0)
        return call.fail(403, QStringLiteral("addToken: --prefix-length 0, token registration disabled"));
    QString token = call.text("token");
    const QString email = call.text("email");
    if (token.isEmpty()) {
        if (!storeNewToken(email, now(), &token)) return call.fail(500, databaseError("addToken"));
    } else {
        switch (m_store.insertToken({token, email, m_options.prefixLength, now()})) {
        case RegistryStore::Change::Made: break;
        case RegistryStore::Change::None: return call.fail(409, QStringLiteral("addToken: token already exists"));
        case RegistryStore::Change::Failed: return call.fail(500, databaseError("addToken"));
        }
    }
    cleanupAfterCreation(now());
    call.noContent();
}

// §6.10
void RegistryService::revoke(Call &call)
{
    const QByteArray value = call.param("cn_or_serial").trimmed();
    bool isSerial = false;
    const qint64 serial = value.toLongLong(&isSerial);
    RegistryStore::Transaction transaction(m_store);
    if (!transaction.isActive()) return call.fail(500, databaseError("revoke"));
    std::optional<crypto::Certificate> cert;
    QByteArray freedPrefix;
    if (isSerial) {
        // X.509 serial -> prefix from the index, then that one row re-read.
        if (const auto prefix = m_index.prefixForSerial(serial)) {
            const auto c = storedCertificate(*prefix);
            if (c && c->serialDecimal() == QByteArray::number(serial)) cert = c;
        }
        if (!cert && !transaction.isActive()) return call.fail(500, databaseError("revoke")); // not read
        if (!cert) return call.fail(500, QStringLiteral("revoke: no stored certificate has serial %1").arg(serial));
    } else {
        const auto bits = addressing::bitsFromCn(QString::fromUtf8(value));
        if (!bits) return call.fail(500, QStringLiteral("revoke: '%1' is neither a serial nor a CN n/len").arg(QString::fromUtf8(value)));
        cert = storedCertificate(*bits);
        if (!cert && !transaction.isActive()) return call.fail(500, databaseError("revoke")); // not read
        if (!cert) return call.fail(404, QStringLiteral("revoke: no certificate for %1").arg(QString::fromUtf8(value)));
        m_store.freeRow(*bits);
        freedPrefix = *bits;
    }
    bool update = false;
    if (cert->notAfter() > now()) {
        switch (m_store.insertCrl(cert->serialDecimal().toLongLong(), cert->notAfter())) {
        case RegistryStore::Change::Made: break;
        case RegistryStore::Change::None:
            return call.fail(500, QStringLiteral("revoke: serial %1 is already revoked").arg(QString::fromLatin1(cert->serialDecimal())));
        case RegistryStore::Change::Failed: return call.fail(500, databaseError("revoke"));
        }
        update = true;
    }
    if (!transaction.commit()) return call.fail(500, databaseError("revoke"));
    if (!freedPrefix.isNull()) forgetCertificate(freedPrefix);
    qCWarning(lcRegistry).noquote() << "revoked certificate" << cert->commonName() << "serial"
                                    << cert->serialDecimal();
    if (update) updateNetworkConfig();
    call.noContent();
}

// §9.5
void RegistryService::updateHMAC(Call &call)
{
    const auto rotation = NetworkConfigBuilder::rotateHmac(babelHmacKeys(), double(now()), crypto::randomBytes(16));
    RegistryStore::Transaction transaction(m_store);
    if (!transaction.isActive()) return call.fail(500, databaseError("updateHMAC"));
    const std::optional<QByteArray> keys[] = {rotation.keys.h0, rotation.keys.h1, rotation.keys.h2};
    for (int i = 0; i < 3; ++i) {
        const QString name = QStringLiteral("babel_hmac%1").arg(i);
        if (keys[i])
            m_store.setConfig(name, keys[i]->isNull() ? QByteArray("") : *keys[i]);
        else
            m_store.removeConfig(name);
    }
    if (rotation.validUntil)
        m_store.setConfig(QStringLiteral("valid_until"), *rotation.validUntil);
    else
        m_store.removeConfig(QStringLiteral("valid_until"));
    if (!bumpVersion()) {
        reloadConfigCache();
        return call.fail(500, QStringLiteral("updateHMAC: cannot sign the new version"));
    }
    if (!transaction.commit()) {
        reloadConfigCache();
        return call.fail(500, databaseError("updateHMAC"));
    }
    reloadConfigCache();
    if (m_deps.localNode && !registryPrefix().isEmpty()) m_deps.localNode->notifyNewVersion(registryPrefix());
    qCWarning(lcRegistry) << "Babel HMAC keys rotated";
    call.noContent();
}

void RegistryService::getNodePrefix(Call &call)
{
    const auto prefix = m_store.prefixForEmail(call.text("email"));
    if (!prefix) return call.noContent();
    call.ok(addressing::cnFromBits(*prefix).toUtf8());
}

void RegistryService::getIPv6Address(Call &call)
{
    const auto prefix = m_store.prefixForEmail(call.text("email"));
    if (!prefix) return call.noContent();
    const auto address = addressing::ipv6FromBits(m_network + *prefix);
    if (!address) return call.fail(500, QStringLiteral("getIPv6Address: prefix exceeds 128 bits"));
    call.ok(address->toUtf8());
}

void RegistryService::getIPv4Information(Call &call)
{
    // §6.14: upstream always answers 204; so do we.
    call.noContent();
}

// §6.15
void RegistryService::versions(Call &call)
{
    const QByteArray registry = registryPrefix();
    auto reply = call.reply;
    auto answer = [reply](const QMap<QByteArray, std::optional<QByteArray>> &results) {
        QJsonObject json;
        for (auto it = results.cbegin(); it != results.cend(); ++it)
            json.insert(QString::fromLatin1(it.key()),
                        it.value() ? QJsonValue(QString::fromUtf8(*it.value())) : QJsonValue());
        reply(200, pythonJsonDumps(json));
    };
    if (!m_deps.localNode) {
        QMap<QByteArray, std::optional<QByteArray>> empty;
        if (!registry.isEmpty()) empty.insert(registry, std::nullopt);
        return answer(empty);
    }
    QPointer<LocalNode> node(m_deps.localNode);
    m_deps.localNode->routedPrefixes([node, registry, answer](QList<QByteArray> prefixes) {
        if (!registry.isEmpty() && !prefixes.contains(registry)) prefixes.append(registry);
        if (node) node->queryVersions(prefixes, answer);
    });
}

// §6.16
void RegistryService::topology(Call &call)
{
    const QByteArray registry = registryPrefix();
    auto reply = call.reply;
    if (!m_deps.localNode || registry.isEmpty())
        return reply(200, pythonJsonDumps(QJsonObject{{QString(), QJsonArray()}}));
    m_deps.localNode->queryTopology(registry, [reply](const QJsonObject &graph) {
        reply(200, pythonJsonDumps(graph));
    });
}

bool RegistryService::bumpVersion()
{
    // §3.2 / §9.3: counter + 1, signed by the CA.
    const QByteArray current = m_store.configBlob(QStringLiteral("version"));
    const quint64 counter = current.isEmpty() ? 0 : networkversion::counter(current).value_or(0);
    const auto blob = networkversion::make(counter + 1, m_deps.caKey);
    if (!blob) {
        qCCritical(lcRegistry) << "cannot sign the network configuration version";
        return false;
    }
    m_store.setConfig(QStringLiteral("version"), *blob);
    return true;
}

bool RegistryService::updateNetworkConfig()
{
    NetworkConfigOptions o;
    o.hello = m_options.hello;
    o.encrypt = m_options.encrypt;
    o.clientCount = m_options.clientCount;
    o.maxClients = m_options.maxClients;
    o.tunnelRefresh = m_options.tunnelRefresh;
    o.minProtocol = m_options.minProtocol;
    o.protocol = Protocol;
    o.ipv4 = m_options.ipv4;
    o.ipv4Sublen = m_options.ipv4Sublen;
    o.sameCountry = m_options.sameCountry;
    const QByteArray registry = registryPrefix();
    m_staticConfig = NetworkConfigBuilder::staticConfig(o, registry, m_store.crlSerials());
    const QByteArray text = NetworkConfigBuilder::lastConfigText(m_staticConfig);
    if (m_store.configBlob(QStringLiteral("last_config")) == text) {
        m_configRetryTimer.stop();
        return true;
    }
    RegistryStore::Transaction transaction(m_store);
    m_store.setConfig(QStringLiteral("last_config"), QString::fromUtf8(text));
    const bool ok = bumpVersion() && transaction.commit();
    reloadConfigCache();
    if (!ok) {
        // Nodes are told of a change by its new version only: without it a
        // revocation would not reach them until the next change.
        qCWarning(lcRegistry).noquote() << "the network configuration changed but its new version could not be "
                                           "stored (" + m_store.lastError() + "); retrying in"
                                        << m_configRetryTimer.interval() / 1000 << "s";
        m_configRetryTimer.start();
        return false;
    }
    m_configRetryTimer.stop();
    qCInfo(lcRegistry) << "network configuration changed, version bumped";
    if (m_deps.localNode && !registry.isEmpty()) m_deps.localNode->notifyNewVersion(registry);
    return true;
}

void RegistryService::forgetCertificate(const QByteArray &prefix)
{
    m_sessions.drop(prefix);
    m_index.remove(prefix);
    m_certCache.remove(prefix);
}

void RegistryService::cleanupAfterCreation(qint64 date)
{
    // §8.5 re-runs the cleanup after each new token/certificate; that re-run
    // only matters for what is due, and the new item changes the next run
    // time to min(next, date + grace). So: arm the timer from that (O(1)),
    // and run the real cleanup only when something is due now.
    const qint64 due = date + m_options.gracePeriod;
    if (due <= now()) {
        if (!m_cleanupTimer.isActive() || m_cleanupTimer.remainingTime() > 0) scheduleCleanup(0);
        return;
    }
    if (m_nextCleanup != 0 && m_nextCleanup <= due && m_cleanupTimer.isActive()) return;
    m_nextCleanup = m_nextCleanup == 0 ? due : std::min(m_nextCleanup, due);
    scheduleCleanup(m_nextCleanup - now());
}

void RegistryService::scheduleCleanup(qint64 delaySeconds)
{
    // QTimer takes an int of milliseconds: re-check at least daily.
    const qint64 ms = std::clamp<qint64>(delaySeconds, 0, 86400) * 1000;
    m_cleanupTimer.start(int(ms));
}

// §8.5. Expired certificates come from the index (O(1) when none is);
// each candidate row is re-read and re-parsed from the DB before it is freed.
bool RegistryService::runCleanup()
{
    const qint64 t = now();
    const qint64 limit = t - m_options.gracePeriod;
    const QByteArray registry = registryPrefix();
    RegistryStore::Transaction transaction(m_store);
    m_store.deleteTokensUpTo(limit);
    QList<QByteArray> freed;
    QList<std::pair<QByteArray, CertificateIndex::Entry>> refreshed;
    for (const QByteArray &prefix : m_index.expiredUpTo(limit)) {
        const auto row = m_store.row(prefix);
        const auto cert = row && row->isAllocated() ? crypto::Certificate::fromPem(row->cert) : std::nullopt;
        const auto entry = cert ? std::optional(CertificateIndex::entryOf(*cert)) : std::nullopt;
        if (!cert || !entry) {
            freed.append(prefix); // not (or no longer parseable) in the DB: only drop it from the index
            continue;
        }
        if (entry->notAfter > limit) { // the DB holds a newer certificate
            refreshed.append({prefix, *entry});
            continue;
        }
        if (prefix == registry) {
            const QString message = QStringLiteral(
                "The registry node's certificate (%1) expired more than --grace-period ago: "
                "wrong clock? Fix the clock or renew that certificate.").arg(cert->commonName());
            qCCritical(lcRegistry).noquote() << message;
            Q_EMIT fatalError(message);
            return false;
        }
        m_store.freeRow(prefix);
        freed.append(prefix);
    }
    PrefixAllocator(m_store, int(m_network.size())).mergeFree();
    if (!transaction.commit()) {
        qCWarning(lcRegistry) << "cleanup: database commit failed, retrying in 60 s";
        m_nextCleanup = t + 60;
        scheduleCleanup(60);
        return true;
    }
    for (const QByteArray &prefix : freed) forgetCertificate(prefix);
    for (const auto &[prefix, entry] : refreshed) m_index.insert(prefix, entry);
    std::optional<qint64> earliest = m_index.earliestNotAfter();
    const auto token = m_store.earliestTokenDate();
    if (token && (!earliest || *token < *earliest)) earliest = token;
    if (earliest) {
        m_nextCleanup = *earliest + m_options.gracePeriod;
        scheduleCleanup(m_nextCleanup - t);
    } else {
        m_nextCleanup = 0;
        m_cleanupTimer.stop();
    }
    return true;
}

} // namespace re6st::registry
