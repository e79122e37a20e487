// SPDX-License-Identifier: GPL-2.0-or-later
#include "PageCall.h"

#include "EnrollWizard.h"

#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QLabel>
#include <QPointer>

namespace re6st::gui {

PageCall::PageCall(QWizardPage *page) : m_page(page), m_status(new QLabel(page)), m_error(new QLabel(page))
{
    m_status->setTextFormat(Qt::PlainText);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText); // the daemon's error message (audit F7)
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();
}

QString PageCall::error() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void PageCall::clearError()
{
    m_error->hide();
}

bool PageCall::validate(EnrollWizard *wizard, const QString &method, const QVariantList &args, int timeoutMs, const QString &statusText,
                        Success onSuccess)
{
    if (m_accepted) {
        m_accepted = false;
        return true;
    }
    if (m_pending)
        return false;
    m_pending = true;
    m_error->hide();
    m_status->setText(statusText);
    Q_EMIT m_page->completeChanged();
    QDBusPendingCallWatcher *watcher = wizard->call(method, args, timeoutMs, m_page);
    QObject::connect(watcher, &QDBusPendingCallWatcher::finished, m_page,
                     [this, wizard, onSuccess = std::move(onSuccess)](QDBusPendingCallWatcher *call) {
                         call->deleteLater();
                         m_pending = false;
                         m_status->clear();
                         const QDBusMessage reply = call->reply();
                         if (reply.type() == QDBusMessage::ErrorMessage) {
                             m_error->setText(EnrollWizard::errorText(reply.errorName(), reply.errorMessage()));
                             m_error->show();
                             Q_EMIT m_page->completeChanged();
                             return;
                         }
                         onSuccess(reply);
                         Q_EMIT m_page->completeChanged();
                         m_accepted = true;
                         wizard->next();
                     });
    return false;
}

} // namespace re6st::gui
