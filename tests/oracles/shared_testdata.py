"""The optional folder of third-party test data, ../shared/testdata beside the repository.

A plain clone does not have it. A test that needs it either skips as a whole
(`require`) or runs what it can and skips the rest (`Optional`); in both cases it
ends with SKIP_RETURN_CODE, which tests/CMakeLists.txt declares to ctest, after one
line `SKIP: <test>: <what> needs ../shared/testdata (<path>), absent`. When the folder
is present nothing may skip: scripts/run-tests.sh fails on any skipped test.

NNPORT_SHARED_TESTDATA overrides the location (a missing path simulates a plain clone).

    import shared_testdata
    shared_testdata.require('caffe_round_trip', 'the MTCNN models')   # all or nothing
    data = shared_testdata.Optional('oracle_tensorflow')               # partly
    if data.present('tf2onnx test models'): ...
    sys.exit(data.exit_code(failures))
"""
import os
import sys

SKIP_RETURN_CODE = 77  # ctest SKIP_RETURN_CODE of every test that uses this folder

ROOT = os.path.normpath(os.environ.get('NNPORT_SHARED_TESTDATA') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'testdata'))


def path(*parts):
    """A path inside the folder (whether or not it exists)."""
    return os.path.join(ROOT, *parts)


def available():
    return os.path.isdir(ROOT)


def skip_line(test, what):
    return f'SKIP: {test}: {what} needs ../shared/testdata ({ROOT}), absent on this clone'


def require(test, what):
    """Exits with SKIP_RETURN_CODE, after the one-line reason, when the folder is absent."""
    if not available():
        print(skip_line(test, what), flush=True)
        sys.exit(SKIP_RETURN_CODE)


class Optional:
    """For a test whose other parts run without the folder: remembers what was skipped."""

    def __init__(self, test):
        self.test = test
        self.skipped = []

    def present(self, what):
        if available():
            return True
        self.skipped.append(what)
        print(skip_line(self.test, what), flush=True)
        return False

    def exit_code(self, failures):
        """1 when something failed; SKIP_RETURN_CODE when the rest passed but a part skipped."""
        if failures:
            return 1
        return SKIP_RETURN_CODE if self.skipped else 0


def check_skips(junit):
    """Prints each test ctest skipped with its SKIP line; 1 if any did while the folder exists.

    JUNIT is ctest's --output-junit file (testcase status "notrun" with a <skipped/> child)."""
    import xml.etree.ElementTree as ET
    skipped = []
    for case in ET.parse(junit).getroot().iter('testcase'):
        if case.find('skipped') is None and case.get('status') != 'notrun':
            continue
        out = case.findtext('system-out') or ''
        # The SKIP: line of a script, the GTEST_SKIP message of a gtest case, else anything.
        lines = [line for line in out.splitlines() if line.strip()]
        reasons = ([x for x in lines if x.startswith('SKIP:')] or
                   [x for x in lines if 'absent on this clone' in x] or
                   [x for x in lines if 'SKIP' in x])
        skipped.append(case.get('name'))
        print(f"skipped: {case.get('name')}: " + (reasons[0].strip() if reasons else '(no reason)'))
    if skipped and available():
        print(f'FAIL: {len(skipped)} test(s) skipped although {ROOT} is present: '
              'their data is missing or misplaced')
        return 1
    return 0


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--check-skips':
        sys.exit(check_skips(sys.argv[2]))
    # Wrapper for a test command that is not a Python script:
    #   shared_testdata.py TEST WHAT -- COMMAND ARGS...
    if len(sys.argv) < 5 or sys.argv[3] != '--':
        print('usage: shared_testdata.py TEST WHAT -- COMMAND [ARGS...]\n'
              '       shared_testdata.py --check-skips CTEST_JUNIT.xml', file=sys.stderr)
        sys.exit(1)
    require(sys.argv[1], sys.argv[2])
    os.execvp(sys.argv[4], sys.argv[4:])
