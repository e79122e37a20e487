// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>

namespace re6st::registry {

// Token mail delivery, registry-protocol.md §6.2 steps 3–4: append to an mbox
// file (mailhost = absolute path or existing file) or SMTP through libcurl
// (optional STARTTLS and AUTH). SMTP runs on a worker thread so the event
// loop never blocks; the callback runs on the Mailer's thread.
class Mailer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Mailer)

public:
    struct Settings
    {
        QString mailhost; // host[:port] or mbox path
        QString user;     // SMTP AUTH only if set
        QString password;
        bool starttls = false;
        QString sender;   // CA emailAddress; may be empty
    };
    using Done = std::function<void(bool ok, const QString &error)>;

    explicit Mailer(Settings settings, QObject *parent = nullptr);
    ~Mailer() override;

    bool isMbox() const;
    // §6.2 step 4: --mailhost names an mbox when it is an absolute path or an existing file.
    static bool isMboxPath(const QString &mailhost);
    // §6.2 step 3, LF line ends: MIME headers, blank line, body.
    static QByteArray tokenMessage(const QString &sender, const QString &to, const QString &token);
    // Appends `message` to the mbox at `path` with a "From MAILER-DAEMON <asctime>" line.
    static bool appendToMbox(const QString &path, const QByteArray &message, qint64 now,
                             QString *error);

    void sendToken(const QString &to, const QString &token, Done done);

private:
    struct Guard; // lets worker threads post back only while the Mailer lives
    Settings m_settings;
    std::shared_ptr<Guard> m_guard;
};

} // namespace re6st::registry
