// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollResultPage.h"

#include "EnrollWizard.h"

#include <QDateTime>
#include <QDir>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>

namespace re6st::gui {

EnrollResultPage::EnrollResultPage(QWidget *parent) : QWizardPage(parent)
{
    setTitle(tr("You joined the network"));
    setSubTitle(tr("This computer is now a member of the re6st network and its node is starting."));
    setFinalPage(true);
    auto *layout = new QFormLayout(this);
    setLayout(layout);
    addRow(QStringLiteral("prefix"), tr("Prefix:"));
    addRow(QStringLiteral("subnet"), tr("Subnet:"));
    addRow(QStringLiteral("address"), tr("Address:"));
    addRow(QStringLiteral("validity"), tr("Certificate valid until:"));
    addRow(QStringLiteral("renewal"), tr("Automatic renewal from:"));
    auto *backup = new QLabel(this);
    backup->setObjectName(QStringLiteral("backup"));
    backup->setWordWrap(true);
    backup->setTextFormat(Qt::PlainText); // names the daemon's directory
    layout->addRow(backup);
}

QLabel *EnrollResultPage::addRow(const QString &name, const QString &label)
{
    auto *value = new QLabel(this);
    value->setObjectName(name);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setTextFormat(Qt::PlainText); // the daemon's values
    static_cast<QFormLayout *>(layout())->addRow(label, value);
    return value;
}

QString EnrollResultPage::text(const QString &name) const
{
    const auto *label = findChild<QLabel *>(name);
    return label ? label->text() : QString();
}

void EnrollResultPage::initializePage()
{
    const QVariantMap &r = qobject_cast<EnrollWizard *>(wizard())->result;
    const auto date = [](qint64 secs) {
        return secs > 0 ? QLocale().toString(QDateTime::fromSecsSinceEpoch(secs), QLocale::LongFormat)
                        : tr("unknown");
    };
    findChild<QLabel *>(QStringLiteral("prefix"))->setText(r.value(QStringLiteral("prefix")).toString());
    findChild<QLabel *>(QStringLiteral("subnet"))->setText(r.value(QStringLiteral("subnet")).toString());
    findChild<QLabel *>(QStringLiteral("address"))->setText(r.value(QStringLiteral("address")).toString());
    findChild<QLabel *>(QStringLiteral("validity"))->setText(date(r.value(QStringLiteral("not_after")).toLongLong()));
    findChild<QLabel *>(QStringLiteral("renewal"))->setText(date(r.value(QStringLiteral("renew_after")).toLongLong()));
    QString directory = r.value(QStringLiteral("directory")).toString();
    if (directory.isEmpty())
        directory = QStringLiteral("/etc/re6stnet");
    QString backup = tr("Back up the private key %1 (readable by root only) somewhere safe: without it, this "
                        "computer cannot renew its certificate and must join the network again.")
                         .arg(QDir(directory).filePath(QStringLiteral("cert.key")));
    // The daemon replaced an re6stnet.conf naming another registry or country.
    if (const QString conf = r.value(QStringLiteral("config_backup")).toString(); !conf.isEmpty())
        backup += u'\n' + tr("The previous settings named another registry or country; they are kept in %1.").arg(conf);
    findChild<QLabel *>(QStringLiteral("backup"))->setText(backup);
}

} // namespace re6st::gui
