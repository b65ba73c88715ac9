/* SPDX-License-Identifier: MIT
 * tests/python/covext.c: a tiny CPython extension built with --coverage for
 * covrun's Python tests.
 *
 *   covext.work(n)       called only by worker processes
 *   covext.main_work(n)  called only by the parent (the test process)
 *
 * Each returns the sum 0 + 1 + ... + (n - 1), computed in a loop, so a
 * test can check both the function counts (one per call) and the loop
 * line's count (n per call) in each process image.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static long long triangle(long n)
{
	long long total = 0;

	for (long i = 0; i < n; i++)
		total += i; /* covext: loop body */
	return total;
}

static PyObject *work(PyObject *self, PyObject *args)
{
	long n;

	(void)self;
	if (!PyArg_ParseTuple(args, "l", &n))
		return NULL;
	return PyLong_FromLongLong(triangle(n));
}

static PyObject *main_work(PyObject *self, PyObject *args)
{
	long n;

	(void)self;
	if (!PyArg_ParseTuple(args, "l", &n))
		return NULL;
	return PyLong_FromLongLong(triangle(n));
}

static PyMethodDef methods[] = {
	{ "work", work, METH_VARARGS, "worker-side work: sum of range(n)" },
	{ "main_work", main_work, METH_VARARGS,
	  "parent-side work: sum of range(n)" },
	{ NULL, NULL, 0, NULL }
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, "covext", "covrun test extension", -1, methods,
	NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit_covext(void)
{
	return PyModule_Create(&module);
}
