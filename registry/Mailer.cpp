// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/Mailer.h"

#include "core/MailAddress.h"
#include "core/TextChars.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QPointer>
#include <curl/curl.h>
#include <algorithm>
#include <mutex>
#include <thread>

Q_LOGGING_CATEGORY(lcMail, "re6st.registry.mail")

namespace re6st::registry {
namespace {

struct UploadState
{
    QByteArray data;
    qsizetype offset = 0;
};

size_t readCallback(char *buffer, size_t size, size_t count, void *user)
{
    auto *state = static_cast<UploadState *>(user);
    const qsizetype room = qsizetype(size * count);
    const qsizetype n = std::min(room, state->data.size() - state->offset);
    memcpy(buffer, state->data.constData() + state->offset, size_t(n));
    state->offset += n;
    return size_t(n);
}

// Blocking SMTP delivery (worker thread). Returns an error text or null.
QString smtpSend(const Mailer::Settings &s, const QString &to, const QByteArray &message)
{
    CURL *curl = curl_easy_init();
    if (!curl) return QStringLiteral("curl_easy_init failed");
    UploadState upload;
    upload.data = message;
    upload.data.replace("\n", "\r\n"); // SMTP wants CRLF line ends
    const QByteArray url = "smtp://" + s.mailhost.toUtf8();
    const QByteArray from = "<" + s.sender.toUtf8() + ">";
    const QByteArray rcpt = "<" + to.toUtf8() + ">";
    const QByteArray user = s.user.toUtf8();
    const QByteArray password = s.password.toUtf8();
    curl_slist *recipients = curl_slist_append(nullptr, rcpt.constData());
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_URL, url.constData());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.constData());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, readCallback);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
    if (s.starttls) {
        curl_easy_setopt(curl, CURLOPT_USE_SSL, long(CURLUSESSL_ALL));
        // As upstream (smtplib.starttls() without a context): the SMTP server's
        // certificate is not verified; STARTTLS only protects against passive sniffing.
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!s.user.isEmpty()) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, user.constData());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password.constData());
    }
    const CURLcode rc = curl_easy_perform(curl);
    QString error;
    if (rc != CURLE_OK)
        error = QStringLiteral("SMTP delivery to %1 via %2 failed: %3 (check --mailhost, "
                               "--smtp-starttls, --smtp-user/--smtp-pwd)")
                    .arg(to, s.mailhost,
                         QString::fromUtf8(errbuf[0] ? errbuf : curl_easy_strerror(rc)));
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    return error;
}

} // namespace

struct Mailer::Guard
{
    std::mutex mutex;
    Mailer *mailer = nullptr;
};

Mailer::Mailer(Settings settings, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_guard(std::make_shared<Guard>())
{
    m_guard->mailer = this;
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

Mailer::~Mailer()
{
    // A worker finishing later finds no Mailer and drops its result.
    const std::lock_guard lock(m_guard->mutex);
    m_guard->mailer = nullptr;
}

bool Mailer::isMboxPath(const QString &mailhost)
{
    return QDir::isAbsolutePath(mailhost) || QFileInfo(mailhost).isFile();
}

bool Mailer::isMbox() const
{
    return isMboxPath(m_settings.mailhost);
}

QByteArray Mailer::tokenMessage(const QString &sender, const QString &to, const QString &token)
{
    QByteArray m = "Content-Type: text/plain; charset=\"us-ascii\"\n"
                   "MIME-Version: 1.0\n"
                   "Content-Transfer-Encoding: 7bit\n"
                   "Subject: [re6stnet] Token Request\n";
    if (!sender.isEmpty()) m += "From: " + sender.toUtf8() + "\n";
    m += "To: " + to.toUtf8() + "\n\nHello, your token to join re6st network is: " + token.toUtf8()
        + "\n";
    return m;
}

bool Mailer::appendToMbox(const QString &path, const QByteArray &message, qint64 now, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        if (error)
            *error = QStringLiteral("cannot append to mbox %1: %2 (check --mailhost)")
                         .arg(path, file.errorString());
        return false;
    }
    const QByteArray date = QLocale::c()
                                .toString(QDateTime::fromSecsSinceEpoch(now, Qt::UTC),
                                          QStringLiteral("ddd MMM d hh:mm:ss yyyy"))
                                .toLatin1();
    // asctime pads the day of month to 2 columns with a space.
    QByteArray asctime = date;
    const QList<QByteArray> parts = date.split(' ');
    if (parts.size() == 5 && parts[2].size() == 1)
        asctime = parts[0] + ' ' + parts[1] + "  " + parts[2] + ' ' + parts[3] + ' ' + parts[4];
    QByteArray escaped;
    for (const QByteArray &line : message.split('\n')) {
        if (!escaped.isEmpty()) escaped += '\n';
        escaped += line.startsWith("From ") ? ">" + line : line;
    }
    if (!escaped.endsWith('\n')) escaped += '\n';
    const QByteArray entry = "From MAILER-DAEMON " + asctime + "\n" + escaped + "\n";
    if (file.write(entry) != entry.size() || !file.flush()) {
        if (error) *error = QStringLiteral("cannot write mbox %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void Mailer::sendToken(const QString &to, const QString &token, Done done)
{
    // requestToken checked `to` already; this guards every other caller. The
    // sender is the CA's emailAddress: only a line break there (the operator's
    // mistake) is refused, the same way.
    if (const QString error = mail::addressError(to); !error.isNull())
        return done(false, QStringLiteral("not mailing the token: recipient %1").arg(error));
    if (std::any_of(m_settings.sender.cbegin(), m_settings.sender.cend(), text::isInvisible))
        return done(false, QStringLiteral("not mailing the token: the CA's emailAddress contains a control character"));
    const QByteArray message = tokenMessage(m_settings.sender, to, token);
    if (isMbox()) {
        QString error;
        const bool ok = appendToMbox(m_settings.mailhost, message, QDateTime::currentSecsSinceEpoch(), &error);
        done(ok, error);
        return;
    }
    const Settings settings = m_settings;
    std::thread([guard = m_guard, settings, to, message, done = std::move(done)]() mutable {
        const QString error = smtpSend(settings, to, message);
        // Queued back to the Mailer's thread while it is alive (the guard's
        // mutex keeps the destructor out); Qt drops events of deleted objects.
        const std::lock_guard lock(guard->mutex);
        if (guard->mailer)
            QMetaObject::invokeMethod(
                guard->mailer, [error, done = std::move(done)] { done(error.isNull(), error); },
                Qt::QueuedConnection);
    }).detach();
}

} // namespace re6st::registry
