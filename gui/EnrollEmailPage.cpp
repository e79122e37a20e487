// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollEmailPage.h"

#include "EnrollWizard.h"

#include <QDBusPendingReply>
#include <QLabel>
#include <QLineEdit>
#include <QRadioButton>
#include <QVBoxLayout>

namespace re6st::gui {

EnrollEmailPage::EnrollEmailPage(QWidget *parent)
    : QWizardPage(parent), m_byMail(new QRadioButton(tr("Send a token to my &email address:"), this)),
      m_anonymous(new QRadioButton(tr("Join &anonymously (only if the network allows it)"), this)),
      m_email(new QLineEdit(this)), m_status(new QLabel(this)), m_error(new QLabel(this))
{
    setTitle(tr("Email"));
    setSubTitle(tr("The registry mails you a token that proves your address."));
    m_byMail->setObjectName(QStringLiteral("byMail"));
    m_anonymous->setObjectName(QStringLiteral("anonymous"));
    m_email->setObjectName(QStringLiteral("email"));
    m_email->setPlaceholderText(tr("you@example.com"));
    m_byMail->setChecked(true);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_byMail);
    layout->addWidget(m_email);
    layout->addWidget(m_anonymous);
    layout->addWidget(m_status);
    layout->addWidget(m_error);
    layout->addStretch();
    registerField(QStringLiteral("email"), m_email);
    registerField(QStringLiteral("anonymous"), m_anonymous);
    const auto changed = [this] {
        m_error->hide();
        m_email->setEnabled(m_byMail->isChecked());
        Q_EMIT completeChanged();
    };
    connect(m_email, &QLineEdit::textChanged, this, changed);
    connect(m_byMail, &QRadioButton::toggled, this, changed);
}

QString EnrollEmailPage::error() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

bool EnrollEmailPage::isComplete() const
{
    return !m_pending && (m_anonymous->isChecked() || !m_email->text().trimmed().isEmpty());
}

int EnrollEmailPage::nextId() const
{
    return m_anonymous->isChecked() ? EnrollWizard::ProgressPageId : EnrollWizard::TokenPageId;
}

bool EnrollEmailPage::validatePage()
{
    if (m_anonymous->isChecked())
        return true;
    if (m_accepted) {
        m_accepted = false;
        return true;
    }
    if (m_pending)
        return false;
    auto *w = qobject_cast<EnrollWizard *>(wizard());
    m_pending = true;
    m_error->hide();
    m_status->setText(tr("Asking the registry to send the token…"));
    Q_EMIT completeChanged();
    QDBusPendingCallWatcher *watcher = w->call(QStringLiteral("RequestToken"),
                                               {w->registry, w->fingerprint, m_email->text().trimmed()}, 180000, this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, w](QDBusPendingCallWatcher *call) {
        call->deleteLater();
        m_pending = false;
        m_status->clear();
        const QDBusPendingReply<> reply = *call;
        Q_EMIT completeChanged();
        if (reply.isError()) {
            m_error->setText(EnrollWizard::errorText(reply.error().name(), reply.error().message()));
            m_error->show();
            return;
        }
        m_accepted = true;
        w->next();
    });
    return false;
}

} // namespace re6st::gui
