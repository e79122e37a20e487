// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollmentText.h"
#include "ValueFormat.h"

#include <QDir>

namespace re6st::ctl {

namespace {

QString value(const QVariantMap &m, const char *key)
{
    return ValueFormat::text(m.value(QLatin1String(key)).toString());
}

} // namespace

QString EnrollmentText::caSummary(const QString &fingerprint, const QVariantMap &details, const QTimeZone &zone)
{
    // The fingerprint first, before anything the registry chose (audit F5); every value
    // escaped, so none can add a line or hide the ones after it.
    return QStringLiteral("Fingerprint:  %1\n"
                          "Registry:     %2\n"
                          "CA:           %3\n"
                          "Network:      %4\n"
                          "CA expires:   %5\n")
        .arg(ValueFormat::text(fingerprint), value(details, "registry"), value(details, "subject"),
             value(details, "network"),
             ValueFormat::time(details.value(QStringLiteral("not_after")).toLongLong(), zone));
}

QString EnrollmentText::confirmationPrompt()
{
    return QStringLiteral("Compare this fingerprint with the one your network's administrator gave you.\n"
                          "Is it the same? [y/N] ");
}

bool EnrollmentText::isYes(const QString &answer)
{
    const QString a = answer.trimmed().toLower();
    return a == QLatin1String("y") || a == QLatin1String("yes");
}

QString EnrollmentText::emailPrompt()
{
    return QStringLiteral("Email address to send the token to: ");
}

QString EnrollmentText::tokenPrompt(const QString &email)
{
    return QStringLiteral("The registry mailed a token to %1.\nToken: ").arg(ValueFormat::plain(email));
}

QString EnrollmentText::progressLine(const QString &step, const QString &detail)
{
    const QString d = detail.trimmed();
    if (d.isEmpty())
        return QStringLiteral("  ... %1\n").arg(ValueFormat::text(step));
    return QStringLiteral("  ... %1\n").arg(ValueFormat::plain(d));
}

QString EnrollmentText::result(const QVariantMap &result, qint64 now, const QTimeZone &zone)
{
    const QString directory = result.value(QStringLiteral("directory")).toString();
    const QString key = directory.isEmpty() ? QStringLiteral("cert.key")
                                            : QDir(directory).filePath(QStringLiteral("cert.key"));
    // The daemon replaced an re6stnet.conf naming another registry or country.
    const QString confBackup = result.value(QStringLiteral("config_backup")).toString();
    const QString confLine = confBackup.isEmpty()
        ? QString()
        : QStringLiteral("re6stnet.conf named another registry or country: replaced, the old one kept as %1\n")
              .arg(ValueFormat::text(confBackup));
    return confLine + QStringLiteral("Enrolled.\n"
                          "Prefix:       %1\n"
                          "Subnet:       %2\n"
                          "Address:      %3\n"
                          "Valid until:  %4\n"
                          "Renewal:      %5\n"
                          "Directory:    %6\n"
                          "Back up %7 now (keep it private): it is this node's identity; without it\n"
                          "you must enroll again and get a new prefix.\n")
        .arg(value(result, "prefix"), value(result, "subnet"), value(result, "address"),
             ValueFormat::timeAndRelative(result.value(QStringLiteral("not_after")).toLongLong(), now, zone),
             ValueFormat::timeAndRelative(result.value(QStringLiteral("renew_after")).toLongLong(), now, zone),
             ValueFormat::text(directory), ValueFormat::plain(key));
}

} // namespace re6st::ctl
