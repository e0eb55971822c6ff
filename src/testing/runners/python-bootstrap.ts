/**
 * Keeps every boto3/botocore client on loopback, whatever its version (botocore before 1.31 ignores
 * the AWS_ENDPOINT_URL_* variables) and whatever endpoint the code names: when botocore.session is
 * first imported (the function's own botocore, wherever it comes from), Session.create_client is
 * wrapped. Python code, run by the harness's bootstrap and, as sitecustomize, under awslambdaric.
 */
export const PYTHON_LOOPBACK = String.raw`
import importlib.abc, importlib.util, os, sys

def loopback_endpoint(service_name):
    name = str(service_name).upper().replace('-', '_').replace(' ', '_')
    return os.environ.get('AWS_ENDPOINT_URL_' + name) or os.environ['AWS_ENDPOINT_URL']

def keep_session_on_loopback(session_module):
    from botocore.config import Config
    create_client = session_module.Session.create_client
    def on_loopback(self, service_name, *args, **kwargs):
        # endpoint_url is the fifth parameter after service_name; a local run never sends it elsewhere.
        if len(args) >= 5:
            args = args[:4] + (loopback_endpoint(service_name),) + args[5:]
        else:
            kwargs['endpoint_url'] = loopback_endpoint(service_name)
        if service_name == 's3':
            path_style = Config(s3={'addressing_style': 'path'})
            kwargs['config'] = kwargs['config'].merge(path_style) if kwargs.get('config') else path_style
        return create_client(self, service_name, *args, **kwargs)
    session_module.Session.create_client = on_loopback

class BotocoreSessionHook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != 'botocore.session':
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module
        def exec_and_keep_on_loopback(module):
            exec_module(module)
            keep_session_on_loopback(module)
        spec.loader.exec_module = exec_and_keep_on_loopback
        return spec

sys.meta_path.insert(0, BotocoreSessionHook())
`;

/**
 * What the Lambda Python runtime does for one invocation, as a script the harness runs with the
 * developer's Python: the handler `module.function` imported from the code directory, called with
 * the event as a dict and a context object, `print` and `logging` to the log, an escaping exception
 * logged and reported as Lambda reports it, every boto3/botocore client on loopback (PYTHON_LOOPBACK).
 * It tells the harness how the handler ended in a JSON line on fd 3.
 */
export const PYTHON_BOOTSTRAP = String.raw`
import importlib, json, logging, os, struct, sys, time, traceback

# Lambda's telemetry log, as its runtime clients write it: each log event one frame (type, length,
# timestamp in microseconds, big-endian), so that a traceback is one event, as CloudWatch Logs shows it.
TELEMETRY = os.fdopen(int(os.environ.pop('_LAMBDA_TELEMETRY_LOG_FD')), 'wb', 0) if '_LAMBDA_TELEMETRY_LOG_FD' in os.environ else None

def log_event(text):
    if TELEMETRY is None:
        print(text, flush=True)
        return
    data = text.encode('utf-8')
    TELEMETRY.write(struct.pack('>IIQ', 0xa55a0003, len(data), int(time.time() * 1000000)) + data)

class TelemetryHandler(logging.Handler):
    def emit(self, record):
        log_event(self.format(record))

def report(message):
    with os.fdopen(3, 'w', closefd=False) as channel:
        channel.write(json.dumps(message) + '\n')
        channel.flush()

${PYTHON_LOOPBACK}
class LambdaContext:
    def __init__(self, deadline_ms):
        self._deadline_ms = deadline_ms
        self.function_name = os.environ['AWS_LAMBDA_FUNCTION_NAME']
        self.function_version = os.environ['AWS_LAMBDA_FUNCTION_VERSION']
        self.memory_limit_in_mb = os.environ['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']
        self.invoked_function_arn = os.environ['LOCAL_STEP_FUNCTION_ARN']
        self.aws_request_id = os.environ['LOCAL_STEP_REQUEST_ID']
        self.log_group_name = os.environ['AWS_LAMBDA_LOG_GROUP_NAME']
        self.log_stream_name = os.environ['AWS_LAMBDA_LOG_STREAM_NAME']
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)

class LambdaLogFormatter(logging.Formatter):
    def __init__(self, request_id):
        super().__init__('[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t' + request_id + '\t%(message)s', '%Y-%m-%dT%H:%M:%S')
        self.converter = time.gmtime

def error_report(error_type, message, stack):
    return {'errorMessage': message, 'errorType': error_type, 'requestId': os.environ['LOCAL_STEP_REQUEST_ID'], 'stackTrace': stack}

def fail(report_body, exit_code):
    # One event: the error, then each frame's lines indented with no-break spaces (U+00A0), as Lambda's
    # Python runtime writes them.
    lines = ['[ERROR] ' + report_body['errorType'] + ': ' + report_body['errorMessage'], 'Traceback (most recent call last):']
    for frame in report_body['stackTrace']:
        for line in frame.splitlines():
            text = line.lstrip(' ')
            lines.append('\u00a0' * (len(line) - len(text)) + text)
    log_event('\n'.join(lines))
    report({'settled': True, 'error': {'errorType': report_body['errorType'], 'errorMessage': report_body['errorMessage']}})
    linger_and_exit(exit_code)

def linger_and_exit(code):
    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(int(os.environ.get('LOCAL_STEP_GRACE', '0')) / 1000)
    os._exit(code)

def main():
    deadline_ms = time.time() * 1000 + int(os.environ['LOCAL_STEP_TIMEOUT'])
    task_root = os.environ['LAMBDA_TASK_ROOT']
    sys.path.insert(0, task_root)
    os.chdir(task_root)
    handler_name = os.environ['_HANDLER']
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    log_handler = TelemetryHandler()
    log_handler.setFormatter(LambdaLogFormatter(os.environ['LOCAL_STEP_REQUEST_ID']))
    root.addHandler(log_handler)
    module_name, _, function_name = handler_name.rpartition('.')
    try:
        module = importlib.import_module(module_name.replace('/', '.'))
    except ImportError as error:
        fail(error_report('Runtime.ImportModuleError', "Unable to import module '" + module_name + "': " + str(error), []), 1)
    except Exception as error:
        fail(error_report('Runtime.UserCodeSyntaxError' if isinstance(error, SyntaxError) else type(error).__name__, str(error),
                          traceback.format_tb(error.__traceback__)), 1)
    handler = getattr(module, function_name, None)
    if handler is None:
        fail(error_report('Runtime.HandlerNotFound', "Handler '" + function_name + "' missing on module '" + module_name + "'", []), 1)
    with open(os.environ['LOCAL_STEP_EVENT']) as event_file:
        event = json.load(event_file)
    try:
        handler(event, LambdaContext(deadline_ms))
    except Exception as error:
        # The first frame is this bootstrap's call: Lambda's traceback starts in the handler.
        fail(error_report(type(error).__name__, str(error), traceback.format_tb(error.__traceback__)[1:]), 1)
    report({'settled': True})
    linger_and_exit(0)

main()
`;
