// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollFingerprintPage.h"

#include "EnrollWizard.h"

#include <QCheckBox>
#include <QDateTime>
#include <QFontDatabase>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

namespace re6st::gui {

EnrollFingerprintPage::EnrollFingerprintPage(QWidget *parent)
    : QWizardPage(parent), m_fingerprint(new QLabel(this)), m_details(new QLabel(this)),
      m_checked(new QCheckBox(tr("I checked this fingerprint with the network's administrator"), this))
{
    setTitle(tr("Check the network's certificate"));
    setSubTitle(tr("Compare this fingerprint with the one the network's administrator gave you. "
                   "If they differ, stop here: someone may be impersonating the registry."));
    m_fingerprint->setObjectName(QStringLiteral("fingerprint"));
    m_fingerprint->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_fingerprint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_fingerprint->setTextFormat(Qt::PlainText);
    m_details->setObjectName(QStringLiteral("details"));
    m_details->setTextFormat(Qt::PlainText); // the registry's values (audit F5, F7)
    m_details->setWordWrap(true);
    m_checked->setObjectName(QStringLiteral("checked"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("SHA-256 fingerprint:"), this));
    layout->addWidget(m_fingerprint);
    layout->addWidget(m_details);
    layout->addStretch();
    layout->addWidget(m_checked);
    registerField(QStringLiteral("fingerprintChecked*"), m_checked);
}

QString EnrollFingerprintPage::grouped(const QString &fingerprint)
{
    QString hex = fingerprint;
    if (const qsizetype colon = hex.indexOf(u':'); colon >= 0)
        hex = hex.mid(colon + 1);
    hex = hex.toUpper();
    QString out;
    for (qsizetype i = 0; i < hex.size(); i += 4) {
        if (i > 0)
            out += (i % 32 == 0) ? u'\n' : u' ';
        out += hex.mid(i, 4);
    }
    return out;
}

bool EnrollFingerprintPage::validatePage()
{
    return m_checked->isChecked();
}

QString EnrollFingerprintPage::shownFingerprint() const
{
    return m_fingerprint->text();
}

void EnrollFingerprintPage::initializePage()
{
    auto *w = qobject_cast<EnrollWizard *>(wizard());
    m_checked->setChecked(false);
    m_fingerprint->setText(grouped(w->fingerprint));
    const QVariantMap &d = w->caDetails;
    QStringList lines;
    lines << tr("Registry: %1").arg(w->registry);
    if (const QString network = d.value(QStringLiteral("network")).toString(); !network.isEmpty())
        lines << tr("Network: %1").arg(network);
    if (const QString subject = d.value(QStringLiteral("subject")).toString(); !subject.isEmpty())
        lines << tr("Certificate: %1").arg(subject);
    if (const qint64 notAfter = d.value(QStringLiteral("not_after")).toLongLong(); notAfter > 0)
        lines << tr("Valid until: %1").arg(QLocale().toString(QDateTime::fromSecsSinceEpoch(notAfter), QLocale::LongFormat));
    m_details->setText(lines.join(u'\n'));
}

} // namespace re6st::gui
