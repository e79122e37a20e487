// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NetworkConfigSync.h"

#include "core/NetworkConfig.h"
#include "core/NetworkVersion.h"
#include "core/RegularFile.h"
#include "daemon/PeerCache.h"
#include "daemon/RestartRules.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcNetconf, "re6st.netconf")

namespace re6st::daemon {

namespace {

const QString kVersion = QStringLiteral("version");
const QString kProtocol = QStringLiteral("protocol");
const QString kMinProtocol = QStringLiteral("min_protocol");
const QString kRegistryPrefix = QStringLiteral("registry_prefix");
const QString kValidUntil = QStringLiteral("valid_until");

QString errnoText() { return QString::fromLocal8Bit(std::strerror(errno)); }

// Warns (does not refuse) when `dir` can be written by other users than its owner: they
// could replace or remove the files we write there. The temp file itself is safe (O_EXCL).
void warnIfSharedDirectory(const QString &dir)
{
    struct stat st {};
    if (::stat(QFile::encodeName(dir).constData(), &st) != 0 || !(st.st_mode & (S_IWGRP | S_IWOTH))) return;
    qCWarning(lcNetconf).noquote()
        << QStringLiteral("%1 is writable by %2 (mode %3): other users could replace the certificates re6stnet "
                          "writes there; make it writable by its owner only (chmod go-w %1)")
               .arg(dir, (st.st_mode & S_IWOTH) ? QStringLiteral("every user") : QStringLiteral("its group"),
                    QString::number(st.st_mode & 07777, 8));
}

// node-protocol.md §8: write a new temp file next to `path` with the owner, group and mode
// of the current file, then rename it over the old one (readers never see half a file).
// The temp file has an unpredictable name and is created with O_EXCL|O_NOFOLLOW: a symlink
// or file planted in the directory is never opened, so it cannot redirect the write.
bool writeAtomically(const QString &path, const QByteArray &data, QString *error)
{
    const QByteArray target = QFile::encodeName(path);
    const QFileInfo info(path);
    warnIfSharedDirectory(info.absolutePath());
    struct stat old {};
    const bool hasOld = ::stat(target.constData(), &old) == 0;
    const mode_t mode = hasOld ? (old.st_mode & 07777) : 0644;
    QString tempPath;
    QByteArray temp;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
        tempPath = info.absolutePath() + QStringLiteral("/.") + info.fileName() + QLatin1Char('.')
            + QStringLiteral("%1").arg(QRandomGenerator::system()->generate64(), 16, 16, QLatin1Char('0'))
            + QStringLiteral(".tmp");
        temp = QFile::encodeName(tempPath);
        // The mode is filtered by the umask, so never wider than the old file's meanwhile.
        fd = ::open(temp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        *error = QStringLiteral("cannot create %1: %2; check that the directory is writable")
                     .arg(tempPath, errnoText());
        return false;
    }
    auto fail = [&](const QString &what) {
        *error = QStringLiteral("%1 %2: %3; check free space and permissions").arg(what, tempPath, errnoText());
        ::close(fd);
        ::unlink(temp.constData());
        return false;
    };
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(QStringLiteral("cannot write"));
        }
        done += n;
    }
    if (hasOld) {
        if ((old.st_uid != ::geteuid() || old.st_gid != ::getegid()) && ::fchown(fd, old.st_uid, old.st_gid) != 0)
            qCWarning(lcNetconf).noquote()
                << QStringLiteral("cannot give %1 the owner/group of the old file (%2); fix its ownership by hand")
                       .arg(path, errnoText());
        ::fchmod(fd, mode); // O_CREAT's mode was filtered by the umask
    }
    if (::fsync(fd) != 0) return fail(QStringLiteral("cannot sync"));
    if (::close(fd) != 0) {
        *error = QStringLiteral("cannot close %1: %2").arg(tempPath, errnoText());
        ::unlink(temp.constData());
        return false;
    }
    if (::rename(temp.constData(), target.constData()) != 0) {
        *error = QStringLiteral("cannot rename %1 over %2: %3").arg(tempPath, path, errnoText());
        ::unlink(temp.constData());
        return false;
    }
    // Make the rename itself durable (best effort).
    const int dirFd = ::open(QFile::encodeName(info.absolutePath()).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
    return true;
}

QByteArray readFile(const QString &path)
{
    return RegularFile::read(path, nullptr).value_or(QByteArray());
}

// True while `path` still holds `loaded`, the certificate this node started with: a
// renewal answered after the file was replaced (an Enroll over D-Bus installing a
// new identity, an administrator) must not overwrite the new one with a
// certificate for the old key (audit H3).
bool stillOnDisk(const QString &path, const crypto::Certificate &loaded)
{
    const auto onDisk = crypto::Certificate::fromPem(readFile(path));
    return onDisk && onDisk->toDer() == loaded.toDer();
}

QString dateText(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

NetworkConfigSync::NetworkConfigSync(Options options, const NodeIdentity &identity, PeerCache *cache,
                                     RegistryClient *client, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_identity(identity), m_cache(cache), m_client(client),
      m_now([] { return QDateTime::currentSecsSinceEpoch(); })
{
    if (m_client && (!m_client->hasIdentity() || m_client->prefix() != m_identity.prefix))
        m_client->setIdentity(m_identity.prefix, m_identity.key, m_identity.ca);
    if (m_cache) m_config = m_cache->loadConfig();
    m_fetchTimer.setSingleShot(true);
    connect(&m_fetchTimer, &QTimer::timeout, this, [this] { fetch(m_timerMode); });
    m_dhTimer.setSingleShot(true);
    connect(&m_dhTimer, &QTimer::timeout, this, [this] { fetchDh(); });
}

NetworkConfigSync::~NetworkConfigSync() = default;

QByteArray NetworkConfigSync::version() const
{
    return m_config.value(kVersion).toByteArray();
}

bool NetworkConfigSync::isRegistryNode() const
{
    const QByteArray registry = m_config.value(kRegistryPrefix).toByteArray();
    return !registry.isEmpty() && registry == m_identity.prefix;
}

int NetworkConfigSync::nextBackoff(int &current) const
{
    const int delay = current <= 0 ? m_backoffInitialMs : current;
    current = qMin(delay * 2, m_backoffMaxMs);
    return qMin(delay, m_backoffMaxMs);
}

void NetworkConfigSync::warnProtocol() const
{
    const int theirs = m_config.value(kProtocol).toInt();
    if (theirs > m_options.protocol)
        qCWarning(lcNetconf).noquote()
            << QStringLiteral("a newer version of re6stnet is in use in this network (protocol %1, ours %2): "
                              "please upgrade re6stnet")
                   .arg(theirs)
                   .arg(m_options.protocol);
}

// ---------------------------------------------------------------------------
// Start-up (node-protocol.md §7.4.1, then §8)

void NetworkConfigSync::start()
{
    m_starting = true;
    m_filesChanged = false;
    if (m_cache) m_config = m_cache->loadConfig();
    const QByteArray cached = version();
    const bool valid = !cached.isEmpty() && networkversion::verify(cached, m_identity.ca.publicKey()).has_value();
    if (!valid) {
        qCInfo(lcNetconf).noquote()
            << (m_config.isEmpty() ? QStringLiteral("no cached network configuration: fetching it from %1")
                                   : QStringLiteral("cached network configuration has no valid version signature: "
                                                    "fetching it again from %1"))
                   .arg(m_client->registry().toString());
        m_startBackoffMs = 0;
        fetch(FetchMode::StartBlocking);
        return;
    }
    const bool old = m_config.value(kProtocol).toInt() < m_options.protocol;
    if (old || isRegistryNode()) {
        qCInfo(lcNetconf).noquote() << (old ? QStringLiteral("cached network configuration predates protocol %1: "
                                                             "refreshing it")
                                                  .arg(m_options.protocol)
                                            : QStringLiteral("we are the registry node: refreshing the network "
                                                             "configuration"));
        fetch(FetchMode::StartOnce);
        return;
    }
    finishConfigStep();
}

void NetworkConfigSync::finishConfigStep()
{
    warnProtocol();
    // §8: renewal, with the CRL of the configuration we now have.
    m_certNextRenewal = m_caNextRenewal = 0;
    renewCertificate(0);
}

void NetworkConfigSync::renewCertificate(int round)
{
    const crypto::Certificate &cert = m_identity.cert;
    const qint64 serial = cert.serialDecimal().toLongLong();
    bool revoked = false;
    for (const QVariant &v : m_config.value(QStringLiteral("crl")).toList())
        if (v.toLongLong() == serial) revoked = true;
    const qint64 due = cert.notAfter() - kRenewPeriod;
    // At most 3 rounds: a registry keeps answering "due" certificates only if clocks disagree.
    if ((!revoked && now() < due) || round >= 3) {
        m_certNextRenewal = round >= 3 ? now() + kRenewRetry : due;
        renewCa();
        return;
    }
    qCInfo(lcNetconf).noquote() << (revoked ? QStringLiteral("our certificate (serial %1) is revoked: renewing it")
                                                  .arg(serial)
                                            : QStringLiteral("our certificate expires on %1: renewing it")
                                                  .arg(dateText(cert.notAfter())));
    QPointer<NetworkConfigSync> self(this);
    m_client->renewCertificate([self, round](const RegistryClient::Result &result) {
        if (!self) return;
        NetworkConfigSync &s = *self;
        auto notRenewed = [&s](const QString &why) {
            qCWarning(lcNetconf).noquote()
                << QStringLiteral("%1: certificate not renewed. Will retry tomorrow (the daemon restarts then)")
                       .arg(why);
            s.m_certNextRenewal = s.now() + kRenewRetry;
            s.renewCa();
        };
        if (!result.ok()) return notRenewed(QStringLiteral("renewCertificate failed (%1)").arg(result.message));
        const QByteArray pem = result.body;
        if (pem.trimmed().isEmpty() || pem == readFile(s.m_options.certPath) || pem == s.m_identity.cert.toPem())
            return notRenewed(QStringLiteral("the registry returned no new certificate"));
        const auto fresh = crypto::Certificate::fromPem(pem);
        if (!fresh || !fresh->isSignedBy(s.m_identity.ca.publicKey())
            || !fresh->publicKey().samePublicKey(s.m_identity.key)
            || fresh->commonName() != s.m_identity.cert.commonName())
            return notRenewed(QStringLiteral("the registry returned a certificate that is not ours "
                                             "(bad PEM, other key, CN or CA): buggy registry?"));
        if (!stillOnDisk(s.m_options.certPath, s.m_identity.cert))
            return notRenewed(QStringLiteral("%1 was replaced while the registry answered; kept")
                                  .arg(s.m_options.certPath));
        QString error;
        if (!writeAtomically(s.m_options.certPath, pem, &error)) return notRenewed(error);
        qCInfo(lcNetconf).noquote() << QStringLiteral("certificate renewed: %1 now valid until %2 (serial %3)")
                                           .arg(s.m_options.certPath, dateText(fresh->notAfter()),
                                                QString::fromLatin1(fresh->serialDecimal()));
        s.m_identity.cert = *fresh;
        s.m_filesChanged = true;
        s.renewCertificate(round + 1); // §8: the check repeats with the new certificate
    });
}

void NetworkConfigSync::renewCa()
{
    const qint64 due = m_identity.ca.notAfter() - kRenewPeriod;
    if (now() < due) {
        m_caNextRenewal = due;
        finishRenewal();
        return;
    }
    qCInfo(lcNetconf).noquote() << QStringLiteral("the CA certificate expires on %1: fetching it again")
                                       .arg(dateText(m_identity.ca.notAfter()));
    QPointer<NetworkConfigSync> self(this);
    m_client->getCa([self](const RegistryClient::Result &result) {
        if (!self) return;
        NetworkConfigSync &s = *self;
        auto notRenewed = [&s](const QString &why) {
            qCWarning(lcNetconf).noquote()
                << QStringLiteral("%1: CA not renewed. Will retry tomorrow (the daemon restarts then)").arg(why);
            s.m_caNextRenewal = s.now() + kRenewRetry;
            s.finishRenewal();
        };
        if (!result.ok()) return notRenewed(QStringLiteral("getCa failed (%1)").arg(result.message));
        const QByteArray pem = result.body;
        if (pem.trimmed().isEmpty() || pem == readFile(s.m_options.caPath) || pem == s.m_identity.ca.toPem())
            return notRenewed(QStringLiteral("the registry has no new CA certificate yet"));
        // getCa is not authenticated (registry-protocol.md §8.3): only accept a
        // re-issue of our CA, i.e. the same key, self-signed.
        const auto fresh = crypto::Certificate::fromPem(pem);
        if (!fresh || !fresh->publicKey().samePublicKey(s.m_identity.ca.publicKey())
            || !fresh->isSignedBy(s.m_identity.ca.publicKey()))
            return notRenewed(QStringLiteral("the registry returned a CA with another key or signature; "
                                             "if the network really changed its CA, re-enroll with re6st-conf"));
        if (fresh->notAfter() <= s.m_identity.ca.notAfter())
            return notRenewed(QStringLiteral("the registry's CA certificate does not expire later than ours"));
        if (!stillOnDisk(s.m_options.caPath, s.m_identity.ca))
            return notRenewed(QStringLiteral("%1 was replaced while the registry answered; kept").arg(s.m_options.caPath));
        QString error;
        if (!writeAtomically(s.m_options.caPath, pem, &error)) return notRenewed(error);
        if (fresh->serialHex() != s.m_identity.ca.serialHex())
            qCWarning(lcNetconf).noquote() << "the renewed CA has another serial number, i.e. another network "
                                              "prefix: our addresses change after the restart";
        qCInfo(lcNetconf).noquote() << QStringLiteral("CA renewed: %1 now valid until %2")
                                           .arg(s.m_options.caPath, dateText(fresh->notAfter()));
        s.m_identity.ca = *fresh;
        s.m_filesChanged = true;
        s.m_caNextRenewal = fresh->notAfter() - kRenewPeriod;
        s.finishRenewal();
    });
}

void NetworkConfigSync::finishRenewal()
{
    m_nextRenewal = qMin(m_certNextRenewal, m_caNextRenewal);
    m_starting = false;
    if (m_filesChanged) {
        qCInfo(lcNetconf) << "certificate files changed: restarting to load them";
        Q_EMIT renewed();
        return;
    }
    const int minProtocol = m_config.value(kMinProtocol, 1).toInt();
    if (m_options.protocol < minProtocol) {
        const QString message = QStringLiteral("this re6stnet (protocol %1) is too old for the network, which "
                                               "requires protocol %2: please upgrade re6stnet")
                                    .arg(m_options.protocol)
                                    .arg(minProtocol);
        qCCritical(lcNetconf).noquote() << message;
        Q_EMIT fatal(message);
        return;
    }
    qCInfo(lcNetconf).noquote() << QStringLiteral("network configuration ready (version %1); next certificate "
                                                  "check on %2")
                                       .arg(networkversion::counter(version()).value_or(0))
                                       .arg(dateText(m_nextRenewal));
    Q_EMIT ready(m_config);
}

// ---------------------------------------------------------------------------
// Fetching (node-protocol.md §7.3, §7.4)

void NetworkConfigSync::scheduleFetch(int delayMs)
{
    if (m_starting) return;
    if (fetchPending()) {
        // Coalesced: the pending fetch gets the latest config; if it is a
        // one-shot check, it must now retry on failure like this request.
        m_refetchRequested = true;
        return;
    }
    m_timerMode = FetchMode::Refetch;
    m_fetchTimer.start(qMax(0, delayMs));
}

void NetworkConfigSync::periodicCheck(bool registryRouted, qint64 nowSecs)
{
    if (isRegistryNode()) return;
    const QVariant validUntil = m_config.value(kValidUntil);
    // §7.4.3 with the intended valid_until behaviour (registry-protocol.md §9.2 [BUG]).
    const bool maybeOld = !registryRouted || (validUntil.isValid() && !validUntil.isNull()
                                              && validUntil.toDouble() < double(nowSecs));
    const bool second = m_maybeOld && maybeOld;
    m_maybeOld = maybeOld;
    if (!second || m_starting || fetchPending()) return;
    qCInfo(lcNetconf).noquote() << (registryRouted ? QStringLiteral("network configuration expired (valid_until "
                                                                    "passed): checking the registry")
                                                   : QStringLiteral("registry node not routed for an hour: our "
                                                                    "network configuration may be old, checking"));
    fetch(FetchMode::Check);
}

void NetworkConfigSync::fetch(FetchMode mode)
{
    m_fetchRunning = true;
    ++m_fetchAttempts;
    QPointer<NetworkConfigSync> self(this);
    m_client->getNetworkConfig([self, mode](const RegistryClient::Result &result) {
        if (!self) return;
        self->m_fetchRunning = false;
        self->onFetched(mode, self->adopt(result));
    });
}

NetworkConfigSync::FetchOutcome NetworkConfigSync::adopt(const RegistryClient::Result &result)
{
    FetchOutcome out;
    if (result.kind != RegistryClient::Result::Kind::Body) {
        out.error = result.ok() ? QStringLiteral("getNetworkConfig returned no content")
                                : QStringLiteral("getNetworkConfig failed: %1").arg(result.message);
        return out;
    }
    QString error;
    const auto decoded = NetworkConfig::decode(result.body, m_identity.key, m_identity.ca.publicKey(), &error);
    if (!decoded) {
        out.error = QStringLiteral("cannot decode the network configuration: %1").arg(error);
        return out;
    }
    // Stored unverified, it would make every later start block on a re-fetch (§7.4.1).
    if (!decoded->versionCounter) {
        out.error = QStringLiteral("the network configuration's version is not signed by our CA");
        return out;
    }
    out.config = decoded->values;
    if (m_cache) {
        const auto changed = m_cache->storeConfig(out.config);
        if (!changed) {
            out.error = QStringLiteral("cannot store the network configuration in the cache (%1); check "
                                       "<state>/cache.db")
                            .arg(m_cache->lastError());
            return out;
        }
        out.changed = *changed;
    } else {
        QVariantMap stored = out.config;
        stored.remove(QStringLiteral("delay_restart"));
        QVariantMap previous = m_config;
        previous.remove(QStringLiteral("delay_restart"));
        out.changed = RestartRules::changedKeys(previous, stored);
    }
    out.ok = true;
    return out;
}

void NetworkConfigSync::onFetched(FetchMode mode, const FetchOutcome &outcome)
{
    if (!outcome.ok) {
        // §7.4: a broken registry must not kill the network.
        QString next;
        switch (mode) {
        case FetchMode::StartBlocking: {
            const int delay = nextBackoff(m_startBackoffMs);
            next = QStringLiteral("no usable cached configuration, retrying in %1 s (check that the registry "
                                  "%2 is reachable)")
                       .arg(delay / 1000.0)
                       .arg(m_client->registry().toString());
            m_timerMode = mode;
            m_fetchTimer.start(delay);
            break;
        }
        case FetchMode::StartOnce:
            next = QStringLiteral("going on with the cached configuration");
            break;
        case FetchMode::Refetch:
            next = QStringLiteral("keeping the current configuration, retrying in %1 s").arg(m_refetchRetryMs / 1000.0);
            m_timerMode = mode;
            m_fetchTimer.start(m_refetchRetryMs);
            break;
        case FetchMode::Check:
            if (m_refetchRequested) {
                next = QStringLiteral("keeping the current configuration, retrying in %1 s")
                           .arg(m_refetchRetryMs / 1000.0);
                m_timerMode = FetchMode::Refetch;
                m_fetchTimer.start(m_refetchRetryMs);
            } else {
                next = QStringLiteral("keeping the current configuration, next check in an hour");
            }
            break;
        }
        qCWarning(lcNetconf).noquote() << QStringLiteral("buggy registry? %1; %2").arg(outcome.error, next);
        Q_EMIT fetchFailed(outcome.error);
        if (mode == FetchMode::StartOnce) finishConfigStep();
        return;
    }
    m_config = outcome.config;
    m_maybeOld = false;
    m_refetchRequested = false;
    if (mode == FetchMode::StartBlocking || mode == FetchMode::StartOnce) {
        qCInfo(lcNetconf).noquote() << QStringLiteral("network configuration fetched (version %1)")
                                           .arg(networkversion::counter(version()).value_or(0));
        finishConfigStep();
        return;
    }
    if (outcome.changed.isEmpty()) {
        qCDebug(lcNetconf) << "network configuration unchanged";
        return;
    }
    qCInfo(lcNetconf).noquote() << QStringLiteral("network configuration changed (version %1): %2")
                                       .arg(networkversion::counter(version()).value_or(0))
                                       .arg(outcome.changed.join(QStringLiteral(", ")));
    warnProtocol();
    Q_EMIT changed(m_config, outcome.changed);
}

// ---------------------------------------------------------------------------
// DH parameters (node-protocol.md §1.1 --dh, registry-protocol.md §9.6)

QString NetworkConfigSync::dhStatePath() const
{
    return QDir(m_options.stateDir).filePath(QStringLiteral("dh.pem"));
}

void NetworkConfigSync::ensureDh(std::function<void(const QString &)> done)
{
    QString path = m_options.dhPath;
    if (!path.isEmpty() && !QFileInfo(path).isReadable())
        qCWarning(lcNetconf).noquote()
            << QStringLiteral("--dh %1 is not a readable file: OpenVPN servers will fail; fix the path or drop --dh "
                              "to fetch the parameters from the registry")
                   .arg(path);
    if (path.isEmpty()) {
        const QFileInfo info(dhStatePath());
        if (info.isFile() && info.size() > 0) path = info.filePath();
    }
    if (!path.isEmpty()) {
        // Callbacks always run from the event loop, like RegistryClient's.
        QMetaObject::invokeMethod(this, [done = std::move(done), path] { done(path); }, Qt::QueuedConnection);
        return;
    }
    m_dhWaiters.append(std::move(done));
    if (m_dhRunning || m_dhTimer.isActive()) return;
    qCInfo(lcNetconf).noquote() << QStringLiteral("no --dh given: fetching DH parameters into %1").arg(dhStatePath());
    m_dhBackoffMs = 0;
    fetchDh();
}

void NetworkConfigSync::fetchDh()
{
    m_dhRunning = true;
    QPointer<NetworkConfigSync> self(this);
    m_client->getDh([self](const RegistryClient::Result &result) {
        if (!self) return;
        NetworkConfigSync &s = *self;
        s.m_dhRunning = false;
        QString error;
        const QByteArray pem = result.body;
        if (!result.ok())
            error = QStringLiteral("getDh failed: %1").arg(result.message);
        else if (!pem.contains("-----BEGIN ") || !pem.contains("PARAMETERS-----"))
            error = QStringLiteral("getDh did not return PEM DH parameters");
        else if (!QDir().mkpath(s.m_options.stateDir))
            error = QStringLiteral("cannot create %1").arg(s.m_options.stateDir);
        else
            writeAtomically(s.dhStatePath(), pem, &error);
        if (!error.isEmpty()) {
            const int delay = s.nextBackoff(s.m_dhBackoffMs);
            qCWarning(lcNetconf).noquote()
                << QStringLiteral("%1; retrying in %2 s (or give a DH file with --dh)").arg(error).arg(delay / 1000.0);
            s.m_dhTimer.start(delay);
            return;
        }
        qCInfo(lcNetconf).noquote() << QStringLiteral("DH parameters stored in %1").arg(s.dhStatePath());
        const QString path = s.dhStatePath();
        const auto waiters = std::exchange(s.m_dhWaiters, {});
        for (const auto &waiter : waiters) waiter(path);
    });
}

} // namespace re6st::daemon
