"""Mail: send the workbooks and the reminders from the coordinator's own account, fetch the returns into inbox/.

settings: the [邮件] section; compose: messages from the editable templates; send: SMTP with a record of
every message in the store; fetch: IMAP into inbox/, never changing the mailbox. Mail is optional: without
a [邮件] section the folder flow works as before.
"""
