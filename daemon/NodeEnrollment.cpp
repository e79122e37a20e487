// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NodeEnrollment.h"

#include "core/Addressing.h"
#include "core/Enrollment.h"
#include "core/RegistryClient.h"
#include "core/crypto/Certificate.h"
#include "daemon/DBusErrors.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QUrl>

Q_LOGGING_CATEGORY(lcEnroll, "re6st.enroll")

namespace re6st::daemon {

namespace {
using Reply = NodeController::Reply;

const QStringList kFiles{QStringLiteral("ca.crt"), QStringLiteral("cert.key"), QStringLiteral("cert.crt")};

// A usable registry URL, or the InvalidArgument message.
QString checkRegistry(const QString &registry)
{
    const QUrl url(registry, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")) || url.host().isEmpty())
        return QStringLiteral("'%1' is not an http:// or https:// registry URL, e.g. http://re6st.example.com/")
            .arg(registry.left(200));
    return {};
}

QString checkFingerprint(const QString &fingerprint)
{
    if (fingerprint.isEmpty())
        return QStringLiteral("the CA fingerprint is required: call FetchCa first and pass the fingerprint "
                              "the user confirmed");
    QString error;
    if (!Enrollment::parseFingerprint(fingerprint, &error))
        return QStringLiteral("bad fingerprint '%1': %2; expected sha256:HEX as returned by FetchCa")
            .arg(fingerprint.left(200), error);
    return {};
}

Reply registryFailure(const RegistryClient::Result &r, const QString &registry)
{
    if (!r.httpStatus)
        return Reply::fail(dbuserror::RegistryUnreachable,
                           QStringLiteral("the registry %1 did not answer (%2); check the URL and the network "
                                          "connection, then retry").arg(registry, r.message));
    return Reply::fail(dbuserror::Failed, QStringLiteral("the registry %1 refused the request (HTTP %2: %3)")
                                              .arg(registry).arg(r.httpStatus).arg(r.message));
}
} // namespace

NodeEnrollment::NodeEnrollment(const QString &configDir, QObject *parent)
    : QObject(parent), m_configDir(configDir)
{
}

NodeEnrollment::~NodeEnrollment() = default;

bool NodeEnrollment::isEnrolled() const
{
    const QDir dir(m_configDir);
    for (const QString &f : kFiles)
        if (!QFile::exists(dir.filePath(f))) return false;
    return true;
}

QString NodeEnrollment::fingerprintOf(const crypto::Certificate &ca)
{
    return QStringLiteral("sha256:") + QString::fromLatin1(ca.fingerprint("sha256").value_or(QByteArray()).toHex());
}

void NodeEnrollment::fetchCa(const QString &registry, Done done)
{
    if (const QString bad = checkRegistry(registry); !bad.isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument, bad));
    auto *client = new RegistryClient(QUrl(registry), this);
    client->setTimeout(m_timeoutMs);
    client->getCa([client, registry, done](const RegistryClient::Result &r) {
        client->deleteLater();
        if (!r.ok()) return done(registryFailure(r, registry));
        const auto ca = crypto::Certificate::fromPem(r.body);
        const auto network = ca ? addressing::networkFromSerialHex(ca->serialHex()) : std::nullopt;
        if (!ca || !network)
            return done(Reply::fail(dbuserror::Failed, QStringLiteral("%1 answered getCa with no re6st CA certificate; "
                                                                      "check that the URL is a re6st registry")
                                                           .arg(registry)));
        QVariantMap details{
            {QStringLiteral("network"), addressing::cidrFromBits(*network)},
            {QStringLiteral("subject"), ca->commonName()},
            {QStringLiteral("not_after"), QVariant::fromValue<qlonglong>(ca->notAfter())},
            {QStringLiteral("registry"), client->registry().toString()},
        };
        done(Reply::ok({fingerprintOf(*ca), details}));
    });
}

void NodeEnrollment::fetchVerifiedCa(const QString &registry, const QString &fingerprint,
                                     std::function<void(const crypto::Certificate &)> then, Done done)
{
    auto *client = new RegistryClient(QUrl(registry), this);
    client->setTimeout(m_timeoutMs);
    client->getCa([client, registry, fingerprint, then, done](const RegistryClient::Result &r) {
        client->deleteLater();
        if (!r.ok()) return done(registryFailure(r, registry));
        const auto ca = crypto::Certificate::fromPem(r.body);
        if (!ca) return done(Reply::fail(dbuserror::Failed, QStringLiteral("%1 sent no CA certificate").arg(registry)));
        QString error;
        const auto fp = Enrollment::parseFingerprint(fingerprint, &error);
        const auto actual = ca->fingerprint(fp->algorithm);
        if (!actual || *actual != fp->digest)
            return done(Reply::fail(dbuserror::FingerprintMismatch,
                                    QStringLiteral("the CA of %1 is not the one confirmed (%2); it may have changed "
                                                   "or someone is in the way: fetch it again and compare with the "
                                                   "fingerprint your network administrator gave you")
                                        .arg(registry, fingerprint)));
        then(*ca);
    });
}

void NodeEnrollment::requestToken(const QString &registry, const QString &fingerprint, const QString &email,
                                  Progress progress, Done done)
{
    if (QString bad = checkRegistry(registry); !bad.isEmpty() || !(bad = checkFingerprint(fingerprint)).isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument, bad));
    const qsizetype at = email.indexOf(u'@');
    if (at <= 0 || at == email.size() - 1 || email.contains(u' ') || email.contains(u'\n'))
        return done(Reply::fail(dbuserror::InvalidArgument,
                                QStringLiteral("'%1' is not an email address").arg(email.left(200))));
    if (m_busy) return done(Reply::fail(dbuserror::Busy, QStringLiteral("another enrollment is running; wait for it")));
    m_busy = true;
    auto finish = [this, done](const Reply &r) {
        m_busy = false;
        done(r);
    };
    progress(QStringLiteral("fetching-ca"), QStringLiteral("Checking the registry's CA"));
    fetchVerifiedCa(registry, fingerprint, [this, registry, email, progress, finish](const crypto::Certificate &) {
        progress(QStringLiteral("requesting-token"), QStringLiteral("Asking the registry to mail a token to %1").arg(email));
        auto *client = new RegistryClient(QUrl(registry), this);
        client->setTimeout(m_timeoutMs);
        client->requestToken(email, [client, registry, email, progress, finish](const RegistryClient::Result &r) {
            client->deleteLater();
            if (r.forbidden())
                return finish(Reply::fail(dbuserror::Failed,
                                          QStringLiteral("the registry does not send tokens by email (%1); ask its "
                                                         "administrator for a token, or enroll anonymously")
                                              .arg(r.message)));
            if (r.noResult() && !r.httpStatus) return finish(registryFailure(r, registry));
            // A registry error after the token was stored: the mail may still come (§18.13).
            progress(QStringLiteral("done"), r.ok() ? QStringLiteral("A token was sent to %1").arg(email)
                                                    : QStringLiteral("The registry could not confirm the mail to %1 "
                                                                     "(%2); if a token arrives, use it").arg(email, r.message));
            finish(Reply::ok());
        });
    }, finish);
}

void NodeEnrollment::enroll(const QString &registry, const QString &fingerprint, const QString &token,
                            const QVariantMap &options, Progress progress, Done done)
{
    if (QString bad = checkRegistry(registry); !bad.isEmpty() || !(bad = checkFingerprint(fingerprint)).isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument, bad));
    static const QMap<QString, QMetaType> known{{QStringLiteral("anonymous"), QMetaType::fromType<bool>()},
                                                {QStringLiteral("replace"), QMetaType::fromType<bool>()},
                                                {QStringLiteral("start"), QMetaType::fromType<bool>()},
                                                {QStringLiteral("location"), QMetaType::fromType<QString>()}};
    for (auto it = options.cbegin(); it != options.cend(); ++it)
        if (!known.contains(it.key()) || it.value().metaType() != known.value(it.key()))
            return done(Reply::fail(dbuserror::InvalidArgument,
                                    QStringLiteral("unknown option '%1' or wrong type (%2); options are anonymous (b), "
                                                   "replace (b), start (b), location (s)")
                                        .arg(it.key().left(100), QString::fromLatin1(it.value().typeName()))));
    const bool anonymous = options.value(QStringLiteral("anonymous")).toBool();
    if (anonymous == !token.isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument,
                                anonymous ? QStringLiteral("a token and anonymous=true exclude each other")
                                          : QStringLiteral("a token is required (RequestToken mails one), or pass "
                                                           "anonymous=true where the registry allows it")));
    if (m_busy) return done(Reply::fail(dbuserror::Busy, QStringLiteral("another enrollment is running; wait for it")));
    const bool replace = options.value(QStringLiteral("replace")).toBool();
    if (!replace && isEnrolled())
        return done(Reply::fail(dbuserror::AlreadyEnrolled,
                                QStringLiteral("this node already has a certificate in %1; pass replace=true "
                                               "(re6stctl enroll --replace) to enroll again").arg(m_configDir)));
    if (!QDir().mkpath(m_configDir))
        return done(Reply::fail(dbuserror::Failed, QStringLiteral("cannot create %1").arg(m_configDir)));
    // Staging inside the config directory: same file system, so installing is a rename.
    auto staging = std::make_shared<QTemporaryDir>(QDir(m_configDir).filePath(QStringLiteral(".enroll-XXXXXX")));
    if (!staging->isValid())
        return done(Reply::fail(dbuserror::Failed, QStringLiteral("cannot write in %1: %2")
                                                       .arg(m_configDir, staging->errorString())));
    m_busy = true;
    Enrollment::Options o;
    o.registry = registry;
    o.directory = staging->path();
    o.fingerprint = fingerprint;
    o.token = token;
    o.anonymous = anonymous;
    o.location = options.value(QStringLiteral("location")).toString();
    o.timeoutMs = m_timeoutMs;
    auto *run = new Enrollment(o, this);
    connect(run, &Enrollment::stepChanged, this, [progress](Enrollment::Step step) {
        switch (step) {
        case Enrollment::Step::FetchingCa: progress(QStringLiteral("fetching-ca"), QStringLiteral("Checking the registry's CA")); break;
        case Enrollment::Step::RequestingToken: progress(QStringLiteral("requesting-token"), QStringLiteral("Requesting a token")); break;
        case Enrollment::Step::GeneratingKey: progress(QStringLiteral("generating-key"), QStringLiteral("Generating the node's private key")); break;
        case Enrollment::Step::RequestingCertificate: progress(QStringLiteral("requesting-certificate"), QStringLiteral("Asking the registry for a certificate")); break;
        case Enrollment::Step::Done: break;
        }
    });
    // The token and anonymity were checked above: a prompt means a bug, never a hang.
    connect(run, &Enrollment::emailRequired, run, [run] { run->cancel(QStringLiteral("Error: no token")); });
    connect(run, &Enrollment::tokenRequired, run, [run] { run->cancel(QStringLiteral("Error: no token")); });
    connect(run, &Enrollment::finished, this, [this, run, staging, replace, progress, done](const Enrollment::Outcome &out) {
        run->deleteLater();
        m_busy = false;
        if (out.status != Enrollment::Status::Success) {
            staging->remove();
            const QString message = out.error + (out.hint.isEmpty() ? QString() : QStringLiteral(" (") + out.hint + u')');
            const char *name = dbuserror::Failed;
            switch (out.failure) {
            case Enrollment::Failure::Usage: name = dbuserror::InvalidArgument; break;
            case Enrollment::Failure::Unreachable: name = dbuserror::RegistryUnreachable; break;
            case Enrollment::Failure::Fingerprint: name = dbuserror::FingerprintMismatch; break;
            case Enrollment::Failure::Token: name = dbuserror::TokenRejected; break;
            default: break;
            }
            qCWarning(lcEnroll).noquote() << "enrollment failed:" << message;
            return done(Reply::fail(name, message));
        }
        progress(QStringLiteral("writing-files"), QStringLiteral("Installing the certificate in %1").arg(m_configDir));
        QString error;
        const bool installed = install(staging->path(), replace, &error);
        staging->remove(); // now, not when the last copy of this lambda goes
        if (!installed)
            return done(Reply::fail(dbuserror::Failed, error));
        qCInfo(lcEnroll).noquote() << "enrolled as" << out.cn << "subnet" << out.subnet << "in" << m_configDir;
        done(Reply::ok({QVariantMap{
            {QStringLiteral("prefix"), out.cn},
            {QStringLiteral("subnet"), out.subnet},
            {QStringLiteral("address"), out.address},
            {QStringLiteral("not_after"), QVariant::fromValue<qlonglong>(out.notAfter)},
            {QStringLiteral("renew_after"), QVariant::fromValue<qlonglong>(out.renewAfter)},
            {QStringLiteral("directory"), m_configDir},
        }}));
    });
    run->start();
}

// Old files go to replaced-<UTC time>/ (never deleted: the old key may still matter),
// then the new ones are renamed in; re6stnet.conf only when there is none.
bool NodeEnrollment::install(const QString &staging, bool replace, QString *error)
{
    const QDir dir(m_configDir), from(staging);
    if (replace) {
        const QString backup = QStringLiteral("replaced-") + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMddThhmmss"));
        bool made = false;
        for (const QString &f : kFiles) {
            if (!QFile::exists(dir.filePath(f))) continue;
            if (!made && !(made = dir.mkpath(backup))) break;
            if (!QFile::rename(dir.filePath(f), dir.filePath(backup + u'/' + f))) {
                *error = QStringLiteral("cannot move the old %1 aside in %2").arg(f, m_configDir);
                return false;
            }
        }
    }
    // Key first, certificate last: a crash in between leaves a key without certificate,
    // which re6stnet refuses clearly and Enroll can replace.
    for (const QString &f : {QStringLiteral("ca.crt"), QStringLiteral("cert.key"), QStringLiteral("cert.crt")}) {
        QFile::remove(dir.filePath(f));
        if (!QFile::rename(from.filePath(f), dir.filePath(f))) {
            *error = QStringLiteral("cannot install %1 in %2").arg(f, m_configDir);
            return false;
        }
    }
    const QString conf = dir.filePath(QStringLiteral("re6stnet.conf"));
    if (!QFile::exists(conf) && !QFile::rename(from.filePath(QStringLiteral("re6stnet.conf")), conf)) {
        *error = QStringLiteral("cannot install re6stnet.conf in %1").arg(m_configDir);
        return false;
    }
    return true;
}

} // namespace re6st::daemon
