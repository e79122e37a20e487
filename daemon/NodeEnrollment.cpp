// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NodeEnrollment.h"

#include "core/Addressing.h"
#include "core/Enrollment.h"
#include "core/DoctorConfig.h"
#include "core/RegularFile.h"
#include "core/RegistryClient.h"
#include "core/TextChars.h"
#include "core/crypto/Certificate.h"
#include "daemon/DBusErrors.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QUrl>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcEnroll, "re6st.enroll")

namespace re6st::daemon {

namespace {
using Reply = NodeController::Reply;

QByteArray encoded(const QString &path) { return QFile::encodeName(path); }

QString systemError(int error) { return QString::fromLocal8Bit(std::strerror(error)); }

// lstat, not QFile::exists: a dangling symlink is a file in the way too.
bool entryExists(const QString &path)
{
    struct stat st;
    return ::lstat(encoded(path).constData(), &st) == 0;
}

// Makes the renames and links in `dir` durable, so that a power loss after our reply
// cannot bring back the old (or a mixed) set of files.
bool syncDirectory(const QString &dir)
{
    const int fd = ::open(encoded(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    errno = error;
    return ok;
}

// Busy also answers FetchCa over its cap: the message says which (clients show it).
Reply enrollmentRunning()
{
    return Reply::fail(dbuserror::Busy, QStringLiteral("another enrollment is running; wait for it to finish, then retry"));
}

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

// mkdir -p that says why it failed (QDir::mkpath does not).
bool makePath(const QString &path, QString *error)
{
    const QString absolute = QDir::cleanPath(QDir(path).absolutePath());
    QString sofar;
    for (const QString &part : absolute.split(u'/', Qt::SkipEmptyParts)) {
        sofar += u'/' + part;
        struct stat st;
        if (::stat(encoded(sofar).constData(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
        if (::mkdir(encoded(sofar).constData(), 0755) != 0 && errno != EEXIST) {
            *error = QStringLiteral("cannot create %1 (%2: %3)").arg(path, sofar, systemError(errno));
            return false;
        }
        if (::stat(encoded(sofar).constData(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            *error = QStringLiteral("cannot create %1 (%2: %3)").arg(path, sofar, systemError(ENOTDIR));
            return false;
        }
    }
    return true;
}

bool sameRegistry(const QString &a, const QString &b)
{
    const auto form = QUrl::StripTrailingSlash | QUrl::NormalizePathSegments;
    return a == b || QUrl(a).adjusted(form) == QUrl(b).adjusted(form);
}

QString optionsError(const QVariantMap &options)
{
    static const QMap<QString, QMetaType> known{{QStringLiteral("anonymous"), QMetaType::fromType<bool>()},
                                                {QStringLiteral("replace"), QMetaType::fromType<bool>()},
                                                {QStringLiteral("start"), QMetaType::fromType<bool>()},
                                                {QStringLiteral("location"), QMetaType::fromType<QString>()}};
    for (auto it = options.cbegin(); it != options.cend(); ++it)
        if (!known.contains(it.key()) || it.value().metaType() != known.value(it.key()))
            return QStringLiteral("unknown option '%1' or wrong type (%2); options are anonymous (b), replace (b), "
                                  "start (b), location (s)")
                .arg(it.key().left(100), QString::fromLatin1(it.value().typeName()));
    const QString location = options.value(QStringLiteral("location")).toString();
    if (const QString bad = Enrollment::locationError(location); !bad.isEmpty())
        return QStringLiteral("the location option '%1' is not CC,CONT, e.g. FR,EU (country code or *, continent "
                              "code or *)").arg(location.left(100));
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
    setFiles({}, {}, {});
    // Reported, not deleted: a failed install leaves the only copy of an issued key there.
    for (const QString &dir : staleStagingDirs())
        qCWarning(lcEnroll).noquote() << dir << "was left by an interrupted or failed enrollment; it may hold an "
                                             "issued key and certificate (cert.key, cert.crt): install them by hand "
                                             "or delete the directory";
}

NodeEnrollment::~NodeEnrollment() = default;

void NodeEnrollment::setFiles(const QString &ca, const QString &cert, const QString &key)
{
    const QDir dir(m_configDir);
    auto path = [&](const QString &given, const QString &name) {
        return given.isEmpty() ? dir.absoluteFilePath(name) : QFileInfo(given).absoluteFilePath();
    };
    const QString caName = QStringLiteral("ca.crt"), certName = QStringLiteral("cert.crt"),
                  keyName = QStringLiteral("cert.key");
    // Key and certificate first (the node's identity), the CA last.
    m_targets = {{keyName, path(key, keyName)}, {certName, path(cert, certName)}, {caName, path(ca, caName)}};
}

bool NodeEnrollment::isEnrolled() const
{
    return existingTargets().size() == m_targets.size();
}

QStringList NodeEnrollment::existingTargets() const
{
    QStringList found;
    for (const Target &t : m_targets)
        if (entryExists(t.path)) found << t.path;
    return found;
}

QStringList NodeEnrollment::staleStagingDirs() const
{
    const QDir dir(m_configDir);
    QStringList found;
    for (const QString &name : dir.entryList({QStringLiteral(".enroll-*")}, QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot))
        found << dir.filePath(name);
    return found;
}

QString NodeEnrollment::fingerprintOf(const crypto::Certificate &ca)
{
    return QStringLiteral("sha256:") + QString::fromLatin1(ca.fingerprint("sha256").value_or(QByteArray()).toHex());
}

void NodeEnrollment::fetchCa(const QString &registry, Done done)
{
    if (const QString bad = checkRegistry(registry); !bad.isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument, bad));
    // Any local user may call this (no polkit): bound the connections and memory they
    // can make the root daemon spend (audit F2).
    if (m_fetches >= kMaxFetches)
        return done(Reply::fail(dbuserror::Busy, QStringLiteral("%1 CA downloads are already running; retry in a few "
                                                                "seconds").arg(kMaxFetches)));
    ++m_fetches;
    auto *client = new RegistryClient(QUrl(registry), this);
    client->setTimeout(std::min(m_timeoutMs, kFetchTimeoutMs));
    client->getCa([this, client, registry, done](const RegistryClient::Result &r) {
        client->deleteLater();
        --m_fetches;
        if (!r.ok()) return done(registryFailure(r, registry));
        const auto ca = crypto::Certificate::fromPem(r.body);
        const auto network = ca ? addressing::networkFromSerialHex(ca->serialHex()) : std::nullopt;
        if (!ca || !network)
            return done(Reply::fail(dbuserror::Failed, QStringLiteral("%1 answered getCa with no re6st CA certificate; "
                                                                      "check that the URL is a re6st registry")
                                                           .arg(registry)));
        // The CA is not trusted yet (its fingerprint is what the user is about to check):
        // its name must not add lines to what FetchCa's callers print, or hide them.
        QVariantMap details{
            {QStringLiteral("network"), addressing::cidrFromBits(*network)},
            {QStringLiteral("subject"), text::oneLine(ca->commonName(), kMaxSubjectChars)},
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
    if (const QString bad = requestTokenArgumentError(registry, fingerprint, email); !bad.isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument, bad));
    if (m_busy) return done(enrollmentRunning());
    m_busy = true;
    auto finish = [this, done](const Reply &r) {
        m_busy = false;
        done(r);
    };
    // Progress is a signal on the system bus, seen by every local user: it never names
    // the email address (audit F12); the reply goes to the caller only.
    progress(QStringLiteral("fetching-ca"), QStringLiteral("Checking the registry's CA"));
    fetchVerifiedCa(registry, fingerprint, [this, registry, email, progress, finish](const crypto::Certificate &) {
        progress(QStringLiteral("requesting-token"), QStringLiteral("Asking the registry to mail a token"));
        auto *client = new RegistryClient(QUrl(registry), this);
        client->setTimeout(m_timeoutMs);
        client->requestToken(email, [client, registry, progress, finish](const RegistryClient::Result &r) {
            client->deleteLater();
            // Our registry explains its refusals (too many token mails to one address,
            // registration disabled); upstream's only refusal has no explanation, or
            // Python's default page ("Message: Forbidden.").
            const bool explained = !r.explanation.isEmpty()
                                   && r.explanation.compare(QLatin1String("Forbidden"), Qt::CaseInsensitive) != 0;
            if (r.forbidden() && explained)
                return finish(Reply::fail(dbuserror::Failed,
                                          QStringLiteral("the registry refused to mail a token: %1; if a token was "
                                                         "already mailed to you, use it, otherwise ask the registry's "
                                                         "administrator for a token")
                                              .arg(r.explanation)));
            if (r.forbidden())
                return finish(Reply::fail(dbuserror::Failed,
                                          QStringLiteral("the registry does not send tokens by email (%1); ask its "
                                                         "administrator for a token, or enroll anonymously")
                                              .arg(r.message)));
            // 400: the registry refused the address (its rule is emailError's): no token made.
            if (r.httpStatus == 400)
                return finish(Reply::fail(dbuserror::InvalidArgument,
                                          QStringLiteral("the registry refused the address (%1); no token was made: "
                                                         "check the address and retry")
                                              .arg(r.explanation.isEmpty() ? r.message : r.explanation)));
            if (r.noResult() && r.httpStatus < 500) return finish(registryFailure(r, registry));
            // A registry error (5xx) after the token was stored: the mail may still come (§18.13).
            if (!r.ok()) qCInfo(lcEnroll).noquote() << "the registry could not confirm the token mail:" << r.message;
            progress(QStringLiteral("done"), r.ok() ? QStringLiteral("A token was sent")
                                                    : QStringLiteral("The registry could not confirm the mail; if a "
                                                                     "token arrives, use it"));
            finish(Reply::ok());
        });
    }, finish);
}

void NodeEnrollment::enroll(const QString &registry, const QString &fingerprint, const QString &token,
                            const QVariantMap &options, Progress progress, Done done)
{
    if (const QString bad = enrollArgumentError(registry, fingerprint, token, options); !bad.isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument, bad));
    const bool anonymous = options.value(QStringLiteral("anonymous")).toBool();
    if (m_busy) return done(enrollmentRunning());
    const bool replace = options.value(QStringLiteral("replace")).toBool();
    // Any one of the files is someone's credentials: never replaced unasked (audit F4).
    const QStringList existing = existingTargets();
    if (!replace && !existing.isEmpty())
        return done(Reply::fail(dbuserror::AlreadyEnrolled,
                                QStringLiteral("this node already has %1; pass replace=true (re6stctl enroll "
                                               "--replace) to enroll again (the old files are kept in a "
                                               "replaced-<time> directory)").arg(existing.join(QStringLiteral(", ")))));
    if (QString error; !makePath(m_configDir, &error)) return done(Reply::fail(dbuserror::Failed, error));
    if (const QString why = uninstallableTarget(); !why.isEmpty())
        return done(Reply::fail(dbuserror::Failed, why + QStringLiteral("; nothing was changed")));
    const QString location = options.value(QStringLiteral("location")).toString();
    // The backup directory is made now, so that failing to make it costs no token.
    QString backup;
    if (replace && (!existing.isEmpty() || configNeedsReplacing(registry, location))) {
        QString error;
        if ((backup = makeBackupDir(&error)).isEmpty())
            return done(Reply::fail(dbuserror::Failed, error + QStringLiteral("; nothing was changed")));
    }
    // Staging inside the config directory: same file system, so installing is a rename.
    auto staging = std::make_shared<QTemporaryDir>(QDir(m_configDir).filePath(QStringLiteral(".enroll-XXXXXX")));
    if (!staging->isValid()) {
        if (!backup.isEmpty()) QDir().rmdir(backup);
        return done(Reply::fail(dbuserror::Failed, QStringLiteral("cannot write in %1: %2")
                                                       .arg(m_configDir, staging->errorString())));
    }
    m_busy = true;
    Enrollment::Options o;
    o.registry = registry;
    o.directory = staging->path();
    o.fingerprint = fingerprint;
    o.token = token;
    o.anonymous = anonymous;
    o.location = location;
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
    connect(run, &Enrollment::finished, this, [this, run, staging, replace, backup, registry, location, progress,
                                                 done](const Enrollment::Outcome &out) {
        run->deleteLater();
        m_busy = false;
        if (out.status != Enrollment::Status::Success) {
            // Issued but not written (disk full): the token is spent, so the key stays in
            // staging (the hint names it) and the certificate goes back in the message.
            if (out.unsavedCertificate.isEmpty()) staging->remove();
            else staging->setAutoRemove(false);
            if (!backup.isEmpty()) QDir().rmdir(backup); // still empty
            QString message = out.error + (out.hint.isEmpty() ? QString() : QStringLiteral(" (") + out.hint + u')');
            if (!out.unsavedCertificate.isEmpty()) message += u'\n' + QString::fromLatin1(out.unsavedCertificate);
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
        Installed installed;
        if (!install(staging->path(), replace, replace && configNeedsReplacing(registry, location), backup,
                     &installed, &error)) {
            // A token was spent and a prefix allocated for this key and certificate: keep them.
            staging->setAutoRemove(false);
            error += QStringLiteral("; the key and certificate just issued are kept in %1: install them by hand "
                                    "or delete that directory").arg(staging->path());
            qCWarning(lcEnroll).noquote() << "enrollment failed:" << error;
            return done(Reply::fail(dbuserror::Failed, error));
        }
        staging->remove(); // now, not when the last copy of this lambda goes
        qCInfo(lcEnroll).noquote() << "enrolled as" << out.cn << "subnet" << out.subnet << "in" << m_configDir;
        QVariantMap result{
            {QStringLiteral("prefix"), out.cn},
            {QStringLiteral("subnet"), out.subnet},
            {QStringLiteral("address"), out.address},
            {QStringLiteral("not_after"), QVariant::fromValue<qlonglong>(out.notAfter)},
            {QStringLiteral("renew_after"), QVariant::fromValue<qlonglong>(out.renewAfter)},
            {QStringLiteral("directory"), m_configDir},
            {QStringLiteral("config_created"), installed.configCreated},
        };
        if (!installed.configBackup.isEmpty()) {
            qCInfo(lcEnroll).noquote() << "re6stnet.conf named another registry or location: the old one is kept as"
                                       << installed.configBackup;
            result.insert(QStringLiteral("config_backup"), installed.configBackup);
        }
        done(Reply::ok({result}));
    });
    run->start();
}

QString NodeEnrollment::requestTokenArgumentError(const QString &registry, const QString &fingerprint,
                                                  const QString &email)
{
    if (QString bad = checkRegistry(registry); !bad.isEmpty() || !(bad = checkFingerprint(fingerprint)).isEmpty())
        return bad;
    // The registry's own rule (core/MailAddress): an address it would refuse is never sent.
    if (const QString bad = Enrollment::emailError(email); !bad.isEmpty())
        return QStringLiteral("'%1': %2").arg(text::oneLine(email, 200), bad);
    return {};
}

QString NodeEnrollment::enrollArgumentError(const QString &registry, const QString &fingerprint,
                                            const QString &token, const QVariantMap &options)
{
    if (QString bad = checkRegistry(registry); !bad.isEmpty() || !(bad = checkFingerprint(fingerprint)).isEmpty()
                                               || !(bad = optionsError(options)).isEmpty())
        return bad;
    const bool anonymous = options.value(QStringLiteral("anonymous")).toBool();
    if (anonymous == !token.isEmpty())
        return anonymous ? QStringLiteral("a token and anonymous=true exclude each other")
                         : QStringLiteral("a token is required (RequestToken mails one), or pass anonymous=true "
                                          "where the registry allows it");
    return {};
}

// Installing is link(2) and rename(2) from the staging directory, inside the config
// directory: with --key or --cert elsewhere, on another file system, or in a directory
// that does not exist, that fails with EXDEV or ENOENT once the token is spent (audit L7).
QString NodeEnrollment::uninstallableTarget() const
{
    struct stat config;
    if (::stat(encoded(m_configDir).constData(), &config) != 0) return {}; // makePath said why
    for (const Target &t : m_targets) {
        const QString dir = QFileInfo(t.path).absolutePath();
        struct stat st;
        if (::stat(encoded(dir).constData(), &st) != 0)
            return QStringLiteral("cannot install %1: %2 (%3)").arg(t.path, dir, systemError(errno));
        if (st.st_dev != config.st_dev)
            return QStringLiteral("cannot install %1: %2 is on another file system than %3, where the new files "
                                  "are prepared; move the --%4 file next to the others")
                .arg(t.path, dir, m_configDir,
                     t.staged == QLatin1String("cert.key") ? QStringLiteral("key")
                     : t.staged == QLatin1String("cert.crt") ? QStringLiteral("cert")
                                                           : QStringLiteral("ca"));
    }
    return {};
}

QString NodeEnrollment::configPath() const { return QDir(m_configDir).filePath(QStringLiteral("re6stnet.conf")); }

// An re6stnet.conf naming another registry, or another country when a location is given,
// would send the new certificate to the old registry (audit H2): replaced, not kept.
// One that cannot be read (a dangling symlink) or parsed is replaced too (kept in the backup).
bool NodeEnrollment::configNeedsReplacing(const QString &registry, const QString &location) const
{
    if (!entryExists(configPath())) return false;
    // The one reader of re6stnet.conf's options outside re6stnet itself (doctor's).
    const std::optional<QByteArray> text = RegularFile::read(configPath(), nullptr);
    const std::optional<doctor::DoctorConfig> old =
        text ? doctor::DoctorConfig::parse(QString::fromUtf8(*text), m_configDir, nullptr) : std::nullopt;
    if (!old || !sameRegistry(old->registry, registry)) return true;
    if (location.isEmpty()) return false;
    QString country = location.section(u',', 0, 0);
    if (country == QLatin1String("*")) country.clear(); // not written (Enrollment::sampleConfig)
    return old->country.compare(country, Qt::CaseInsensitive) != 0;
}

QString NodeEnrollment::makeBackupDir(QString *error) const
{
    const QString path = QDir(m_configDir).filePath(
        QStringLiteral("replaced-") + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMddThhmmss")));
    // mkdir, not mkpath: whatever already has that name is not ours to fill. 0700: it
    // receives a private key.
    if (::mkdir(encoded(path).constData(), 0700) != 0) {
        *error = QStringLiteral("cannot create %1 to keep the old files in (%2)").arg(path, systemError(errno));
        return {};
    }
    return path;
}

// All or nothing (dbus/org.re6st.Enrollment1.xml: a failed call changes no state):
//  1. the old files are hard-linked into `backup` (never deleted: the old key may still
//     matter), staying in place meanwhile;
//  2. each new file is renamed over its target: rename(2) replaces it atomically;
//  3. re6stnet.conf is linked in when there is none (an existing one is the admin's),
//     or, with `replaceConfig` (it names another registry or location), kept in `backup`
//     like the others in step 1 and then replaced by a rename, last;
//  4. on a failure, the new files go back to `staging` and the old ones back in place.
// The directories are then fsync'ed, so that a power loss cannot undo our answer.
bool NodeEnrollment::install(const QString &staging, bool replace, bool replaceConfig, QString backup,
                             Installed *installed, QString *error)
{
    const QDir from(staging);
    QList<bool> had;
    bool any = false;
    for (const Target &t : m_targets) {
        had << entryExists(t.path);
        any = any || had.last();
    }
    const QString conf = configPath(), stagedConf = from.filePath(QStringLiteral("re6stnet.conf"));
    replaceConfig = replaceConfig && entryExists(conf) && entryExists(stagedConf);
    if (!any && !replaceConfig && !backup.isEmpty()) { // the old files went away while we were enrolling
        QDir().rmdir(backup);
        backup.clear();
    }
    if (any && !replace) { // created while we were enrolling
        *error = QStringLiteral("%1 appeared during the enrollment; nothing was changed")
                     .arg(existingTargets().join(QStringLiteral(", ")));
        return false;
    }
    if ((any || replaceConfig) && backup.isEmpty() && (backup = makeBackupDir(error)).isEmpty()) {
        *error += QStringLiteral("; nothing was changed");
        return false;
    }
    auto backupOf = [&](qsizetype i) { return QDir(backup).filePath(QFileInfo(m_targets[i].path).fileName()); };
    const QString confBackup = replaceConfig ? QDir(backup).filePath(QStringLiteral("re6stnet.conf")) : QString();
    auto dropBackup = [&] {
        for (qsizetype i = 0; i < m_targets.size(); ++i)
            if (had[i]) ::unlink(encoded(backupOf(i)).constData());
        if (replaceConfig) ::unlink(encoded(confBackup).constData());
        if (!backup.isEmpty()) QDir().rmdir(backup);
    };
    for (qsizetype i = 0; i < m_targets.size(); ++i) {
        if (had[i] && ::link(encoded(m_targets[i].path).constData(), encoded(backupOf(i)).constData()) != 0) {
            *error = QStringLiteral("cannot keep the old %1 in %2 (%3); nothing was changed")
                         .arg(m_targets[i].path, backup, systemError(errno));
            dropBackup();
            return false;
        }
    }
    if (replaceConfig && ::link(encoded(conf).constData(), encoded(confBackup).constData()) != 0) {
        *error = QStringLiteral("cannot keep the old %1 in %2 (%3); nothing was changed")
                     .arg(conf, backup, systemError(errno));
        dropBackup();
        return false;
    }

    // Undoes the first `count` renames. False if an old file could not be put back.
    auto rollback = [&](qsizetype count) {
        bool restored = true;
        for (qsizetype i = 0; i < count; ++i) {
            const QString &path = m_targets[i].path;
            if (::rename(encoded(path).constData(), encoded(from.filePath(m_targets[i].staged)).constData()) != 0)
                restored = false; // the new file stays in place rather than be lost
            else if (had[i] && ::rename(encoded(backupOf(i)).constData(), encoded(path).constData()) != 0)
                restored = false;
        }
        return restored;
    };
    QString failure;
    qsizetype renamed = 0;
    for (; renamed < m_targets.size(); ++renamed) {
        const Target &t = m_targets[renamed];
        if (::rename(encoded(from.filePath(t.staged)).constData(), encoded(t.path).constData()) != 0) {
            failure = QStringLiteral("cannot install %1 (%2)").arg(t.path, systemError(errno));
            break;
        }
    }
    bool confWritten = false;
    if (failure.isEmpty() && replaceConfig) {
        if (::rename(encoded(stagedConf).constData(), encoded(conf).constData()) != 0)
            failure = QStringLiteral("cannot install %1 (%2)").arg(conf, systemError(errno));
        else confWritten = true;
    } else if (failure.isEmpty()) {
        if (::link(encoded(stagedConf).constData(), encoded(conf).constData()) == 0) confWritten = true;
        else if (errno != EEXIST)
            failure = QStringLiteral("cannot install %1 (%2)").arg(conf, systemError(errno));
    }
    if (!failure.isEmpty()) {
        if (!rollback(renamed)) {
            *error = failure + QStringLiteral("; the previous files could not all be put back: they are in %1")
                                   .arg(backup);
            return false;
        }
        dropBackup(); // what is left there are extra links to the files in place
        *error = failure + QStringLiteral("; the previous files were left in place");
        return false;
    }

    installed->configCreated = confWritten;
    if (replaceConfig) installed->configBackup = confBackup;
    QStringList dirs{m_configDir};
    if (!backup.isEmpty()) dirs << backup;
    for (const Target &t : m_targets) dirs << QFileInfo(t.path).absolutePath();
    dirs.removeDuplicates();
    for (const QString &d : dirs)
        if (!syncDirectory(d)) qCWarning(lcEnroll).noquote() << "cannot sync" << d << ":" << systemError(errno);
    return true;
}

} // namespace re6st::daemon
