"""A local SMTP server (aiosmtpd) that keeps what it receives: the real mail path in tests."""

import email
from dataclasses import dataclass, field
from email.message import Message


@dataclass
class SmtpSink:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    @staticmethod
    def text(message: Message) -> str:
        """The plain-text part, decoded."""
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        return ""
