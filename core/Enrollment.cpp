// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/Enrollment.h"

#include "core/Addressing.h"
#include "core/MailAddress.h"
#include "core/RegistryClient.h"
#include "core/RegularFile.h"
#include "core/TextChars.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/Digest.h"

#include <QDateTime>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryFile>
#include <QThread>
#include <QUrl>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace re6st {

namespace {

constexpr qint64 kRenewPeriod = 30 * 86400; // registry-protocol.md §1 RENEW_PERIOD
const char kTokenHint[] = "Use --token to retry without asking a new token";

// Read from /proc (Linux >= 4.7): umask(2) can only be read by changing it,
// which would race with files created by other threads (key generation).
mode_t currentUmask()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (status.open(QIODevice::ReadOnly))
        for (const QByteArray &line : status.readAll().split('\n'))
            if (line.startsWith("Umask:")) return mode_t(line.mid(6).trimmed().toUInt(nullptr, 8));
    const mode_t m = ::umask(0);
    ::umask(m);
    return m;
}

// Mode for a file we (re)create: the existing file's mode, else 0666 & ~umask.
mode_t modeFor(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) == 0)
        return st.st_mode & 07777;
    return 0666 & ~currentUmask();
}

QString errnoString() { return QString::fromLocal8Bit(std::strerror(errno)); }

// Plain write(2), not QFile's buffer: after a partial write QFile reports
// "Unknown error" instead of ENOSPC/EFBIG, and the reason is what the user needs.
bool writeAt(int fd, const QByteArray &data)
{
    for (qsizetype done = 0; done < data.size();) {
        const ssize_t n = ::pwrite(fd, data.constData() + done, size_t(data.size() - done), off_t(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        done += n;
    }
    return true;
}

enum class Write {
    Done,
    NoTemporary, // the directory lets us create no file (EACCES, EROFS); `path` untouched
    Failed       // e.g. ENOSPC while writing; `path` untouched
};

// Write into a temporary file of the same directory, then rename over `path`:
// readers never see a partial file, and a failure leaves `path` untouched.
Write writeAtomically(const QString &path, const QByteArray &data, mode_t mode, QString *error)
{
    const QFileInfo fi(path);
    QTemporaryFile tmp(fi.absolutePath() + QStringLiteral("/.") + fi.fileName() + QStringLiteral(".XXXXXX"));
    if (!tmp.open()) {
        *error = tmp.errorString();
        // Asked afterwards: QTemporaryFile does not keep the errno of its failed open.
        const bool unwritableDir = ::faccessat(AT_FDCWD, QFile::encodeName(fi.absolutePath()).constData(), W_OK,
                                               AT_EACCESS) != 0
            && (errno == EACCES || errno == EROFS);
        return unwritableDir ? Write::NoTemporary : Write::Failed;
    }
    if (::fchmod(tmp.handle(), mode) != 0 || !writeAt(tmp.handle(), data) || ::fsync(tmp.handle()) != 0) {
        *error = errnoString();
        return Write::Failed;
    }
    if (std::rename(QFile::encodeName(tmp.fileName()).constData(), QFile::encodeName(path).constData()) != 0) {
        *error = errnoString();
        return Write::Failed;
    }
    tmp.setAutoRemove(false);
    return Write::Done;
}

// Through a handle opened earlier (§14.2 step 11), as upstream always does.
bool rewriteInPlace(const QFile &file, const QByteArray &data, QString *error)
{
    if (writeAt(file.handle(), data) && ::ftruncate(file.handle(), off_t(data.size())) == 0
        && ::fsync(file.handle()) == 0)
        return true;
    *error = errnoString();
    return false;
}

// A character that re6stnet's option-file reader (§13: shell-like split, '#'
// comments) may treat specially, or that ends the line: never written in a value.
std::optional<QChar> unsafeConfigChar(const QString &value)
{
    for (const QChar c : value)
        if (c.isSpace() || text::isInvisible(c) || c == u'\'' || c == u'"' || c == u'\\' || c == u'#')
            return c;
    return std::nullopt;
}

} // namespace

Enrollment::Enrollment(const Options &options, QObject *parent)
    : QObject(parent), m_options(options),
      m_client(new RegistryClient(QUrl(options.registry, QUrl::StrictMode), this))
{
    m_client->setTimeout(options.timeoutMs);
}

Enrollment::~Enrollment()
{
    if (m_keyThread) {
        m_keyThread->wait();
        delete m_keyThread.data();
    }
}

std::optional<Enrollment::Fingerprint> Enrollment::parseFingerprint(const QString &text, QString *error)
{
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (colon < 0) {
        *error = QStringLiteral("invalid fingerprint: expected ALG:HEX, e.g. sha256:e53536eb…");
        return std::nullopt;
    }
    Fingerprint fp;
    fp.algorithm = text.left(colon).toLatin1();
    const QByteArray hex = text.mid(colon + 1).toLatin1();
    const std::optional<int> size = crypto::digestSize(fp.algorithm);
    if (fp.algorithm.isEmpty() || !size) {
        *error = QStringLiteral("invalid fingerprint: unknown hash algorithm '%1' (use e.g. sha256)")
                     .arg(QString::fromLatin1(fp.algorithm));
        return std::nullopt;
    }
    const bool isHex = hex.size() % 2 == 0 && std::all_of(hex.begin(), hex.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
    if (!isHex) {
        *error = QStringLiteral("invalid fingerprint: '%1' is not an even number of hexadecimal digits")
                     .arg(QString::fromLatin1(hex));
        return std::nullopt;
    }
    fp.digest = QByteArray::fromHex(hex);
    if (fp.digest.size() != *size) {
        *error = QStringLiteral("invalid fingerprint: a %1 digest has %2 hex digits, not %3")
                     .arg(QString::fromLatin1(fp.algorithm)).arg(*size * 2).arg(hex.size());
        return std::nullopt;
    }
    return fp;
}

std::optional<QByteArray> Enrollment::sampleConfig(const QString &registry, const QString &location, QString *error)
{
    // registry-protocol.md §14.2 step 17. re6stnet runs this file as root, with its
    // `up` and `daemon` commands: a value must never become several options (audit F1).
    const QString country = location.section(QLatin1Char(','), 0, 0);
    for (const auto &[name, value] : {std::pair{"registry", registry}, std::pair{"country", country}}) {
        if (const std::optional<QChar> c = unsafeConfigChar(value)) {
            if (error)
                *error = QStringLiteral("the %1 value contains %2, which re6stnet.conf cannot hold (whitespace, "
                                        "control characters, quotes, '\\' and '#' are refused)")
                             .arg(QLatin1String(name), text::codePoint(*c));
            return std::nullopt;
        }
    }
    QByteArray conf = "registry " + registry.toUtf8() + "\nca ca.crt\ncert cert.crt\nkey cert.key\n";
    // '*' is §11's unknown country: re6stnet would advertise it as a country
    // (node-protocol.md §5.10), so the node is left to ask the registry instead.
    if (!country.isEmpty() && country != QLatin1String("*"))
        conf += "country " + country.toUtf8();
    conf += "\n# increase re6stnet verbosity:\n#verbose 3\n# enable OpenVPN logging:\n#ovpnlog\n"
            "# uncomment the following 2 lines to increase OpenVPN verbosity:\n#O--verb\n#O3\n";
    return conf;
}

QString Enrollment::locationError(const QString &location)
{
    // registry-protocol.md §11: a country alpha-2 code or '*', then a continent code
    // (the registry adds the '@' of community files) or '*'. \A...\z: '$' would
    // accept a final newline.
    static const QRegularExpression form(
        QRegularExpression::anchoredPattern(QStringLiteral("([A-Za-z]{2}|\\*),([A-Za-z]{2}|\\*)")));
    if (location.isEmpty() || form.match(location).hasMatch())
        return {};
    return QStringLiteral("--location must be CC,CONT, e.g. FR,EU (country code or *, continent code or *)");
}

QString Enrollment::emailError(const QString &email)
{
    // The registry puts the address in the SMTP envelope and the token mail's
    // headers (§6.2): the registry's own rule, checked before anything is sent.
    return mail::addressError(email);
}

QString Enrollment::asctime(qint64 unixTime)
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const QDateTime t = QDateTime::fromSecsSinceEpoch(unixTime, Qt::UTC);
    const QDate d = t.date();
    const QTime h = t.time();
    return QString::asprintf("%s %s %2d %02d:%02d:%02d %d", days[d.dayOfWeek() - 1], months[d.month() - 1],
                             d.day(), h.hour(), h.minute(), h.second(), d.year());
}

void Enrollment::setStep(Step step) { Q_EMIT stepChanged(step); }

void Enrollment::start()
{
    if (m_running || m_done)
        return;
    m_running = true;
    const Options &o = m_options;

    // Argument checks first, so that a typo costs no network round trip and writes nothing.
    if (o.anonymous && (!o.email.isEmpty() || !o.token.isEmpty()))
        return usageError(QStringLiteral("--anonymous conflicts with --email/--token"));
    // Location and registry URL end up in re6stnet.conf (step 17): checked before
    // anything is sent or written, for re6st-conf and the daemon's Enroll alike.
    if (QString error = locationError(o.location); !error.isEmpty())
        return usageError(error);
    if (const std::optional<QChar> c = unsafeConfigChar(o.registry))
        return usageError(QStringLiteral("--registry URL must not contain whitespace, control characters, quotes, "
                                         "'\\' or '#' (found %1): it is written into re6stnet.conf")
                              .arg(text::codePoint(*c)));
    if (QString error = o.email.isEmpty() ? QString() : emailError(o.email); !error.isEmpty())
        return usageError(error);
    if (!o.fingerprint.isEmpty()) {
        QString error;
        if (!parseFingerprint(o.fingerprint, &error))
            return usageError(error);
    }
    if (!m_client->isValid())
        return usageError(m_client->urlError());
    if (o.mode == Mode::Full) {
        for (const auto &[key, value] : o.req) {
            if (key == QLatin1String("CN") || key == QLatin1String("serial") || crypto::shortAttributeName(key.toLatin1()) == "CN")
                return fail(QStringLiteral("%1 field is reserved.").arg(key));
            if (!crypto::isKnownAttribute(key.toLatin1()))
                return fail(QStringLiteral("Error: unknown certificate field '%1'").arg(key),
                            QStringLiteral("Use OpenSSL attribute names such as C, ST, L, O, OU or emailAddress."));
            // Before any key, token or request (audit F8: "-r C FRANCE" failed only at the CSR).
            const QString why = value.isEmpty() ? QString() : crypto::subjectEntryError(key.toLatin1(), value);
            if (!why.isEmpty())
                return usageError(QStringLiteral("-r %1 %2: not a valid %1 value (%3)%4")
                                      .arg(key, value.left(100), why,
                                           crypto::shortAttributeName(key.toLatin1()) == "C"
                                               ? QStringLiteral("; C is a 2-letter country code such as FR")
                                               : QString()));
        }
    }
    if (o.directory.isEmpty()) {
        m_dir = QDir::current();
    } else {
        const QFileInfo fi(o.directory);
        if (!fi.isDir())
            return fail(QStringLiteral("Error: cannot use directory '%1': %2")
                            .arg(o.directory, fi.exists() ? QStringLiteral("not a directory")
                                                          : QStringLiteral("no such directory")),
                        QStringLiteral("Create it first or give another --dir."));
        m_dir = QDir(fi.absoluteFilePath());
    }

    setStep(Step::FetchingCa);
    m_client->getCa([this](const RegistryClient::Result &r) {
        if (m_done)
            return;
        if (!r.ok())
            return fail(QStringLiteral("Error: ") + r.message,
                        QStringLiteral("Check the --registry URL and the network connection."), 1,
                        r.httpStatus ? Failure::Other : Failure::Unreachable);
        if (r.body.isEmpty())
            return fail(QStringLiteral("Error: the registry sent no CA certificate"),
                        QStringLiteral("Check that --registry points to a re6st registry."));
        onCa(r.body);
    });
}

void Enrollment::onCa(const QByteArray &pem)
{
    const std::optional<crypto::Certificate> ca = crypto::Certificate::fromPem(pem);
    if (!ca)
        return fail(QStringLiteral("Error: the registry's getCa answer is not a PEM certificate"),
                    QStringLiteral("Check that --registry points to a re6st registry."));
    m_ca = *ca;

    // §14.2 step 3.
    if (!m_options.fingerprint.isEmpty()) {
        QString error;
        const Fingerprint fp = *parseFingerprint(m_options.fingerprint, &error);
        const std::optional<QByteArray> actual = m_ca.fingerprint(fp.algorithm);
        if (!actual || *actual != fp.digest)
            return fail(QStringLiteral("CA fingerprint doesn't match"),
                        QStringLiteral("The registry's CA has %1:%2: check --fingerprint and --registry.")
                            .arg(QString::fromLatin1(fp.algorithm),
                                 QString::fromLatin1(actual ? actual->toHex() : QByteArray("?"))),
                        1, Failure::Fingerprint);
    } else {
        Q_EMIT warning(QStringLiteral("WARNING: it is strongly recommended to use --fingerprint option."));
    }

    // Step 4.
    const std::optional<QByteArray> network = addressing::networkFromSerialHex(m_ca.serialHex());
    if (!network)
        return fail(QStringLiteral("Error: the CA serial 0x%1 encodes no re6st network prefix")
                        .arg(QString::fromLatin1(m_ca.serialHex())),
                    QStringLiteral("Ask the registry administrator to check the CA certificate."));
    m_outcome.networkBits = *network;
    if (m_options.mode == Mode::NetworkOnly)
        return succeed();

    // Step 5, but a ca.crt that differs from this CA is replaced only once the new
    // certificate is saved (onCertificate): upstream overwrites it at once, so a run
    // that then fails (wrong --registry, bad token) left the node's certificate
    // with another network's CA, and the old CA gone (audit F1).
    QString error;
    const QString caPath = path(QStringLiteral("ca.crt"));
    m_caDeferred = false;
    if (m_options.mode == Mode::Full && QFileInfo::exists(caPath)) {
        const std::optional<QByteArray> current = RegularFile::read(caPath, nullptr);
        m_caDeferred = !current || *current != m_ca.toPem();
    }
    if (m_caDeferred)
        Q_EMIT message(QStringLiteral("%1 holds another CA: it is replaced once the new certificate is saved.")
                           .arg(caPath));
    else if (writeAtomically(caPath, m_ca.toPem(), modeFor(caPath), &error) != Write::Done)
        return fail(QStringLiteral("Error: cannot write %1: %2").arg(caPath, error),
                    QStringLiteral("Choose a writable directory with --dir."));
    if (m_options.mode == Mode::CaOnly)
        return succeed();

    buildSubject();
}

// Step 7.
void Enrollment::buildSubject()
{
    m_subject.clear();
    const QString certPath = path(QStringLiteral("cert.crt"));
    if (QFile::exists(certPath)) {
        QString error;
        const std::optional<QByteArray> pem = RegularFile::read(certPath, &error);
        if (!pem)
            return fail(QStringLiteral("Error: %1: %2").arg(certPath, error),
                        QStringLiteral("Move it away and run re6st-conf again."));
        const std::optional<crypto::Certificate> cert = crypto::Certificate::fromPem(*pem);
        if (!cert)
            return fail(QStringLiteral("Error: %1 exists but is not a readable PEM certificate").arg(certPath),
                        QStringLiteral("Move it away and run re6st-conf again."));
        for (const crypto::SubjectEntry &e : cert->subject())
            if (e.name != "CN" && e.name != "serial")
                crypto::subjectReplace(m_subject, e.name, e.value);
    }
    for (const auto &[key, value] : m_options.req)
        if (!value.isEmpty())
            crypto::subjectReplace(m_subject, crypto::shortAttributeName(key.toLatin1()), value);
    obtainToken();
}

// Step 8.
void Enrollment::obtainToken()
{
    if (m_options.anonymous) {
        m_token.clear();
        return prepareKey();
    }
    if (!m_options.token.isEmpty()) {
        m_token = m_options.token;
        return prepareKey();
    }
    if (m_options.email.isEmpty()) {
        m_waiting = Waiting::Email;
        Q_EMIT emailRequired();
        return;
    }
    onTokenRequested();
}

void Enrollment::provideEmail(const QString &email)
{
    if (m_done || m_waiting != Waiting::Email)
        return;
    if (email.isEmpty()) {
        Q_EMIT emailRequired();
        return;
    }
    if (QString error = emailError(email); !error.isEmpty())
        return usageError(error);
    m_waiting = Waiting::Nothing;
    m_options.email = email;
    onTokenRequested();
}

void Enrollment::onTokenRequested()
{
    setStep(Step::RequestingToken);
    m_client->requestToken(m_options.email, [this](const RegistryClient::Result &r) {
        if (m_done)
            return;
        // Our registry explains its refusals (registration disabled, too many
        // token mails to one address); upstream's only refusal is the first.
        if (r.forbidden() && !r.explanation.isEmpty())
            return fail(QStringLiteral("Error: the registry refused to mail a token: %1").arg(r.explanation),
                        QStringLiteral("If a token was already mailed to you, run re6st-conf again with --token; "
                                       "otherwise ask the registry administrator for a token, or try --anonymous."));
        if (r.forbidden())
            return fail(QStringLiteral("Error: the registry does not register nodes by email (%1)").arg(r.message),
                        QStringLiteral("Ask the registry administrator for a token (then use --token), or try --anonymous."));
        if (r.httpStatus == 400) // a malformed request: no token was made
            return fail(QStringLiteral("Error: the registry refused the request for a token (%1)").arg(r.message),
                        QStringLiteral("Check the email address, and run re6st-conf again."));
        if (r.noResult()) {
            if (!r.httpStatus)
                return fail(QStringLiteral("Error: ") + r.message,
                            QStringLiteral("Check the network connection and run re6st-conf again."), 1,
                            Failure::Unreachable);
            // Upstream goes on too: the token may exist although its mail failed (§6.2, §18.13).
            Q_EMIT warning(QStringLiteral("WARNING: the registry could not confirm that a token was sent (%1);"
                                          " if you receive one, enter it below.").arg(r.message));
        }
        m_tokenHint = QString::fromLatin1(kTokenHint);
        m_waiting = Waiting::Token;
        Q_EMIT tokenRequired();
    });
}

void Enrollment::provideToken(const QString &token)
{
    if (m_done || m_waiting != Waiting::Token)
        return;
    if (token.isEmpty()) {
        Q_EMIT tokenRequired();
        return;
    }
    m_waiting = Waiting::Nothing;
    m_token = token;
    prepareKey();
}

// Step 9.
void Enrollment::prepareKey()
{
    const QString keyPath = path(QStringLiteral("cert.key"));
    if (QFile::exists(keyPath)) {
        QString error;
        const std::optional<QByteArray> pem = RegularFile::read(keyPath, &error);
        if (!pem)
            return fail(QStringLiteral("Error: %1: %2").arg(keyPath, error),
                        QStringLiteral("Move it away so that a new key is generated."));
        const std::optional<crypto::RsaKey> key = crypto::RsaKey::fromPem(*pem);
        if (!key || !key->hasPrivate())
            return fail(QStringLiteral("Error: %1 exists but is not a readable PEM RSA private key").arg(keyPath),
                        QStringLiteral("Move it away so that a new key is generated."));
        Q_EMIT message(QStringLiteral("Reusing existing key."));
        if (key->bits() != m_ca.publicKey().bits())
            Q_EMIT warning(QStringLiteral("WARNING: cert.key has %1 bits but the CA key %2: the registry handshake"
                                          " needs equal sizes; move cert.key away to generate a matching key.")
                               .arg(key->bits()).arg(m_ca.publicKey().bits()));
        return onKey(*key);
    }
    const int bits = m_ca.publicKey().bits();
    Q_EMIT message(QStringLiteral("Generating %1-bit key ...").arg(bits));
    setStep(Step::GeneratingKey);
    // RSA generation takes a while: keep the caller's event loop (GUI) responsive.
    auto result = std::make_shared<std::optional<crypto::RsaKey>>();
    m_keyThread = QThread::create([bits, result] { *result = crypto::RsaKey::generate(bits); });
    connect(m_keyThread.data(), &QThread::finished, this, [this, result] {
        m_keyThread->deleteLater();
        m_keyThread.clear();
        if (!m_done)
            writeNewKey(*result);
    });
    m_keyThread->start();
}

void Enrollment::writeNewKey(const std::optional<crypto::RsaKey> &key)
{
    if (!key)
        return fail(QStringLiteral("Error: RSA key generation failed"), QStringLiteral("Run re6st-conf again."));
    QString error;
    const QString keyPath = path(QStringLiteral("cert.key"));
    if (writeAtomically(keyPath, key->privateKeyPem(), 0600, &error) != Write::Done)
        return fail(QStringLiteral("Error: cannot write %1: %2").arg(keyPath, error),
                    QStringLiteral("Choose a writable directory with --dir."));
    onKey(*key);
}

// Steps 10-12.
void Enrollment::onKey(const crypto::RsaKey &key)
{
    m_key = key;
    const std::optional<crypto::CertificateRequest> csr = crypto::CertificateRequest::create(m_subject, m_key);
    if (!csr)
        return fail(QStringLiteral("Error: cannot create the certificate request"),
                    QStringLiteral("Check the -r/--req fields and values."));

    const QString certPath = path(QStringLiteral("cert.crt"));
    m_certFile = std::make_unique<QFile>(certPath);
    // Opened (created, not truncated) before requesting: an unwritable path must not waste the token.
    if (!m_certFile->open(QIODevice::ReadWrite)) {
        const QString error = m_certFile->errorString();
        m_certFile.reset();
        return fail(QStringLiteral("Error: cannot write %1: %2").arg(certPath, error),
                    QStringLiteral("Choose a writable directory with --dir."));
    }

    Q_EMIT message(QStringLiteral("Requesting certificate ..."));
    setStep(Step::RequestingCertificate);
    m_client->requestCertificate(m_token, csr->toPem(), m_options.location, [this](const RegistryClient::Result &r) {
        if (m_done)
            return;
        if (r.kind == RegistryClient::Result::Kind::Empty || (r.ok() && r.body.isEmpty())) {
            m_tokenHint.clear(); // the token is useless: no point in retrying with it (§14.2 step 13)
            return fail(QStringLiteral("Error: invalid or expired token"),
                        m_options.anonymous ? QString() : QStringLiteral("Ask a new token (run without --token)."), 1,
                        Failure::Token);
        }
        if (r.forbidden()) {
            if (m_options.anonymous)
                return fail(QStringLiteral("Error: anonymous registration is disabled on this registry (%1)").arg(r.message),
                            QStringLiteral("Register with --email or --token instead."));
            return fail(QStringLiteral("Error: registration with a token is disabled on this registry (%1)").arg(r.message),
                        QStringLiteral("Ask the registry administrator."));
        }
        if (r.noResult()) {
            if (r.httpStatus)
                return fail(QStringLiteral("Error: the registry refused the certificate request: %1").arg(r.message),
                            QStringLiteral("Check the -r/--req fields, or ask the registry administrator to look at its log."));
            return fail(QStringLiteral("Error: ") + r.message,
                        QStringLiteral("Check the network connection and run re6st-conf again."), 1, Failure::Unreachable);
        }
        onCertificate(r.body);
    });
}

// Steps 15-18.
void Enrollment::onCertificate(const QByteArray &pem)
{
    const std::optional<crypto::Certificate> cert = crypto::Certificate::fromPem(pem);
    if (!cert)
        return fail(QStringLiteral("Error: the registry's answer is not a PEM certificate"),
                    QStringLiteral("Ask the registry administrator to look at its log."));
    if (!cert->publicKey().samePublicKey(m_key))
        return fail(QStringLiteral("Error: the registry issued a certificate for another key"),
                    QStringLiteral("Ask the registry administrator to look at its log."));
    const QString cn = cert->commonName();
    const std::optional<QByteArray> prefix = addressing::bitsFromCn(cn);
    const QByteArray subnetBits = m_outcome.networkBits + prefix.value_or(QByteArray());
    const std::optional<QString> base = addressing::ipv6FromBits(subnetBits);
    const std::optional<QString> address = addressing::ipv6FromBits(subnetBits, true);
    if (!prefix || !base || !address)
        return fail(QStringLiteral("Error: the certificate's CN '%1' is not a prefix of this network").arg(cn),
                    QStringLiteral("Ask the registry administrator to look at its log."));

    // Step 15: replace atomically. Only a directory where no temporary file can be
    // created falls back to the handle opened in step 11: after a write error
    // (ENOSPC) rewriting in place would corrupt the previous certificate (audit F6).
    const QString certPath = m_certFile->fileName();
    QString error;
    const QByteArray data = cert->toPem();
    m_tokenHint.clear(); // the registry has used the token up
    const Write written = writeAtomically(certPath, data, modeFor(certPath), &error);
    if (written == Write::Failed || (written == Write::NoTemporary && !rewriteInPlace(*m_certFile, data, &error))) {
        // The token is spent: this is the only copy of the certificate. Handed to the
        // caller, which prints it (a full disk cannot fail that) with the key's path.
        m_outcome.unsavedCertificate = data;
        return fail(QStringLiteral("Error: cannot write %1: %2").arg(certPath, error),
                    QStringLiteral("The registry issued a certificate (the token is used up) that could not be "
                                   "saved%1. Keep %2: it is its private key. Save the certificate as %3 once "
                                   "that can be written (e.g. after freeing disk space).")
                        .arg(written == Write::Failed ? QStringLiteral("; any previous cert.crt is unchanged")
                                                      : QString(),
                             path(QStringLiteral("cert.key")), certPath));
    }
    m_certFile.reset();
    const QString caPath = path(QStringLiteral("ca.crt"));
    if (m_caDeferred && writeAtomically(caPath, m_ca.toPem(), modeFor(caPath), &error) != Write::Done)
        return fail(QStringLiteral("Error: cannot write %1: %2").arg(caPath, error),
                    QStringLiteral("The new certificate is saved in %1, but %2 still holds the previous CA: run "
                                   "re6st-conf --ca-only with the same --registry and --dir once it can be written.")
                        .arg(certPath, caPath));

    m_outcome.cn = cn;
    m_outcome.subnet = QStringLiteral("%1/%2").arg(*base).arg(subnetBits.size());
    m_outcome.address = *address;
    m_outcome.notAfter = cert->notAfter();
    m_outcome.renewAfter = m_outcome.notAfter - kRenewPeriod;

    Q_EMIT message(QStringLiteral("Setup complete. Certificate is valid until %1 UTC and will be automatically"
                                  " renewed after %2 UTC.")
                       .arg(asctime(m_outcome.notAfter), asctime(m_outcome.renewAfter)));
    Q_EMIT message(QStringLiteral("Do not forget to backup to your private key (cert.key) or you will lose"
                                  " your assigned subnet."));

    // Step 17: a dangling symlink counts as existing.
    const QString confPath = path(QStringLiteral("re6stnet.conf"));
    const QFileInfo conf(confPath);
    if (!conf.exists() && !conf.isSymLink()) {
        // start() refused what sampleConfig() refuses: no certificate is lost over it.
        const std::optional<QByteArray> sample = sampleConfig(m_options.registry, m_options.location, &error);
        if (sample && writeAtomically(confPath, *sample, 0666 & ~currentUmask(), &error) == Write::Done) {
            m_outcome.configCreated = true;
            Q_EMIT message(QStringLiteral("Sample configuration file created."));
        } else {
            Q_EMIT warning(QStringLiteral("WARNING: cannot create %1: %2").arg(confPath, error));
        }
    }
    Q_EMIT message(QStringLiteral("Your subnet: %1 (CN=%2)").arg(m_outcome.subnet, cn));
    succeed();
}

void Enrollment::cancel(const QString &reason)
{
    if (m_running && !m_done)
        fail(reason.isEmpty() ? QStringLiteral("Error: cancelled") : reason);
}

void Enrollment::usageError(const QString &error)
{
    m_outcome.status = Status::UsageError;
    m_outcome.failure = Failure::Usage;
    m_outcome.exitCode = 2;
    m_outcome.error = error;
    finish();
}

void Enrollment::fail(const QString &error, const QString &hint, int exitCode, Failure failure)
{
    m_outcome.failure = failure;
    // §14.2 step 14: an empty cert.crt we opened is removed.
    if (m_certFile) {
        m_certFile->close();
        if (QFileInfo(m_certFile->fileName()).size() == 0)
            m_certFile->remove();
        m_certFile.reset();
    }
    m_outcome.status = Status::Failed;
    m_outcome.exitCode = exitCode;
    m_outcome.error = error;
    QStringList hints;
    if (!hint.isEmpty())
        hints << hint;
    if (!m_tokenHint.isEmpty())
        hints << m_tokenHint;
    m_outcome.hint = hints.join(QLatin1Char('\n'));
    finish();
}

void Enrollment::succeed()
{
    m_outcome.status = Status::Success;
    m_outcome.exitCode = 0;
    setStep(Step::Done);
    finish();
}

void Enrollment::finish()
{
    m_done = true;
    m_running = false;
    m_waiting = Waiting::Nothing;
    Q_EMIT finished(m_outcome);
}

} // namespace re6st
