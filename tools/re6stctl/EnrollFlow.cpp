// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollFlow.h"

#include "EnrollmentText.h"
#include "JsonOutput.h"
#include "NodeClient.h"
#include "ValueFormat.h"

#include <QCoreApplication>
#include <QDBusArgument>
#include <QDBusConnectionInterface>
#include <QDBusPendingCallWatcher>
#include <QDateTime>
#include <QEventLoop>

namespace re6st::ctl {

namespace {
const QString kInterface = QString::fromLatin1(Enrollment1Proxy::staticInterfaceName());
} // namespace

EnrollFlow::EnrollFlow(NodeClient &client, const CommandLine &commandLine, QTextStream &in,
                       QTextStream &out, QTextStream &err, QObject *parent)
    : QObject(parent), m_client(client), m_commandLine(commandLine), m_in(in), m_out(out), m_err(err)
{
}

ExitCode EnrollFlow::fail(const ErrorTranslator::Failure &failure)
{
    m_out.flush();
    m_err << failure.line << '\n';
    m_err.flush();
    return failure.code;
}

QString EnrollFlow::ask(const QString &prompt)
{
    chatter() << prompt;
    chatter().flush();
    return m_in.readLine(); // null at end of input
}

void EnrollFlow::onProgress(const QString &step, const QString &detail)
{
    chatter() << EnrollmentText::progressLine(step, detail);
    chatter().flush();
}

ExitCode EnrollFlow::run()
{
    const CommandLine &cl = m_commandLine;
    const QString registry = cl.argument;
    using Command = CommandLine::Command;

    // 1. The registry's CA, to confirm.
    NodeClient::Reply ca = m_client.action(kInterface, QStringLiteral("FetchCa"), {registry});
    if (!ca.ok)
        return fail(ErrorTranslator::translate(Command::Enroll, ca.errorName, ca.errorMessage));
    const QString fingerprint = ca.arguments.value(0).toString();
    const QVariant detailsArg = ca.arguments.value(1);
    const QVariantMap details = detailsArg.canConvert<QDBusArgument>() ? qdbus_cast<QVariantMap>(detailsArg)
                                                                       : detailsArg.toMap();
    chatter() << EnrollmentText::caSummary(fingerprint, details, QTimeZone::systemTimeZone());
    if (!cl.fingerprint.isEmpty()) {
        if (CommandLine::normalizeFingerprint(fingerprint) != cl.fingerprint) {
            return fail({ExitCode::Failed,
                         QStringLiteral("re6stctl: the registry's CA fingerprint is %1, not the %2 you gave: "
                                        "check the URL and the fingerprint with the network's administrator; "
                                        "nothing was changed").arg(ValueFormat::plain(fingerprint), cl.fingerprint)});
        }
        chatter() << "The fingerprint matches --fingerprint.\n";
    } else {
        const QString answer = ask(EnrollmentText::confirmationPrompt());
        if (!EnrollmentText::isYes(answer)) {
            return fail({ExitCode::Failed,
                         QStringLiteral("re6stctl: enrollment cancelled, nothing was changed (to skip the "
                                        "question, pass --fingerprint %1 once you have checked it)")
                             .arg(ValueFormat::plain(fingerprint))});
        }
    }
    chatter().flush();

    connect(&m_client.enrollment(), &Enrollment1Proxy::Progress, this, &EnrollFlow::onProgress);
    // The match rule for Progress goes to the bus without waiting for an answer; one
    // round trip on the same connection makes sure it is in force before we call.
    m_client.bus().interface()->isServiceRegistered(QStringLiteral("org.freedesktop.DBus"));

    // 2. A token by mail, unless we have one or enroll anonymously.
    QString token = cl.token;
    if (token.isEmpty() && !cl.anonymous) {
        QString email = cl.email;
        if (email.isEmpty()) {
            email = ask(EnrollmentText::emailPrompt()).trimmed();
            if (email.isEmpty() || !email.contains(u'@'))
                return fail(ErrorTranslator::usage(email.isEmpty()
                                                       ? QStringLiteral("no email address given")
                                                       : QStringLiteral("`%1` is not an email address").arg(email)));
        }
        QDBusPendingCall pending = m_client.actionAsync(kInterface, QStringLiteral("RequestToken"),
                                                        {registry, fingerprint, email},
                                                        NodeClient::kActionTimeoutMs);
        QDBusPendingCallWatcher watcher(pending);
        QEventLoop loop;
        connect(&watcher, &QDBusPendingCallWatcher::finished, &loop, &QEventLoop::quit);
        if (!watcher.isFinished())
            loop.exec();
        QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents); // Progress before the prompt
        const NodeClient::Reply sent = NodeClient::fromMessage(pending.reply());
        if (!sent.ok)
            return fail(ErrorTranslator::translate(Command::Enroll, sent.errorName, sent.errorMessage));
        token = ask(EnrollmentText::tokenPrompt(email)).trimmed();
        if (token.isEmpty())
            return fail({ExitCode::Failed,
                         QStringLiteral("re6stctl: no token given, nothing was changed: run `re6stctl enroll "
                                        "%1 --token TOKEN` with the token from the mail").arg(registry)});
    }

    // 3. Enroll, showing the progress as it comes.
    QVariantMap options;
    if (cl.anonymous)
        options.insert(QStringLiteral("anonymous"), true);
    if (cl.replace)
        options.insert(QStringLiteral("replace"), true);
    QDBusPendingCall pending = m_client.actionAsync(kInterface, QStringLiteral("Enroll"),
                                                    {registry, fingerprint, token, options},
                                                    NodeClient::kEnrollTimeoutMs);
    QDBusPendingCallWatcher watcher(pending);
    QEventLoop loop;
    connect(&watcher, &QDBusPendingCallWatcher::finished, &loop, &QEventLoop::quit);
    if (!watcher.isFinished())
        loop.exec();
    // Progress signals sent before the reply may still be queued: show them first.
    QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
    const NodeClient::Reply enrolled = NodeClient::fromMessage(pending.reply());
    if (!enrolled.ok)
        return fail(ErrorTranslator::translate(Command::Enroll, enrolled.errorName, enrolled.errorMessage));
    const QVariant resultArg = enrolled.arguments.value(0);
    const QVariantMap result = resultArg.canConvert<QDBusArgument>() ? qdbus_cast<QVariantMap>(resultArg)
                                                                     : resultArg.toMap();
    if (cl.json)
        m_out << JsonOutput::object(result);
    else
        m_out << EnrollmentText::result(result, QDateTime::currentSecsSinceEpoch(), QTimeZone::systemTimeZone());
    m_out.flush();
    return ExitCode::Success;
}

} // namespace re6st::ctl
