"""gunicorn's settings file, read from the working directory by every gunicorn that serves HMS
(deploy/systemd/hms-web.service, the container, deploy/local-stack.sh all start it in the
project's folder). The command lines keep the bind address, worker count and timeout.

The access log leaves out what may name a patient: the query string (a patient search's name or
phone number: /patients/?q=Wanjiku) and the referring page's address (which carries the previous
page's query string). What is kept: client, time, method, path, protocol, status, size, duration.
"""

# h: client address, t: time, m: method, U: path without the query string, H: protocol,
# s: status, B: response size, M: duration in milliseconds, a: user agent.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
