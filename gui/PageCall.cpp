// SPDX-License-Identifier: GPL-2.0-or-later
#include "PageCall.h"

#include "EnrollWizard.h"

#include <QAbstractButton>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QLabel>
#include <QPointer>
#include <QTimer>
#include <QWizard>
#include <utility>

namespace re6st::gui {

PageCall::PageCall(QWizardPage *page) : m_page(page), m_status(new QLabel(page)), m_error(new QLabel(page))
{
    m_status->setTextFormat(Qt::PlainText);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText); // the daemon's error message (audit F7)
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();
    // After QWizard's own button update (connected later, when the page is added).
    QObject::connect(page, &QWizardPage::completeChanged, page, [this] { syncBackButton(m_page, m_pending); },
                     Qt::QueuedConnection);
}

void PageCall::syncBackButton(QWizardPage *page, bool busy)
{
    // QWizard re-enables Back whenever it refreshes its buttons: apply ours afterwards.
    QTimer::singleShot(0, page, [page, busy] {
        QWidget *w = page->parentWidget(); // QWizardPage::wizard() is protected
        while (w && !qobject_cast<QWizard *>(w))
            w = w->parentWidget();
        if (auto *wizard = qobject_cast<QWizard *>(w); wizard && wizard->currentPage() == page)
            wizard->button(QWizard::BackButton)->setEnabled(!busy);
    });
}

void PageCall::leave()
{
    ++m_generation;
    m_accepted = false;
    m_acceptedArgs.clear();
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
        // Edited while the call ran: the success was for other input; ask again.
        if (std::exchange(m_acceptedArgs, {}) == args)
            return true;
    }
    if (m_pending)
        return false;
    m_pending = true;
    m_error->hide();
    m_status->setText(statusText);
    Q_EMIT m_page->completeChanged();
    QDBusPendingCallWatcher *watcher = wizard->call(method, args, timeoutMs, m_page);
    const quint64 generation = m_generation;
    QObject::connect(watcher, &QDBusPendingCallWatcher::finished, m_page,
                     [this, wizard, args, generation, onSuccess = std::move(onSuccess)](QDBusPendingCallWatcher *call) {
                         call->deleteLater();
                         m_pending = false;
                         m_status->clear();
                         if (generation != m_generation || wizard->currentPage() != m_page) {
                             // The user went back meanwhile: neither move nor accept.
                             Q_EMIT m_page->completeChanged();
                             return;
                         }
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
                         m_acceptedArgs = args;
                         wizard->next();
                     });
    return false;
}

} // namespace re6st::gui
