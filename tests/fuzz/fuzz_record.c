/* SPDX-License-Identifier: MIT
 * tests/fuzz/fuzz_record.c: libFuzzer target for the process record parser
 * (collect/record.c).  Records are written by the shim inside arbitrary
 * processes and may be cut short or damaged; parsing must never crash.
 */
#include "collect/collect.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct collect_record rec;
	struct cr_error err;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	for (size_t i = 0; i < size; i++)
		text[i] = (char)data[i];
	text[size] = '\0';
	if (collect_record_parse(text, size, "fuzz.rec", &rec, &err) == CR_OK)
		collect_record_release(&rec);
	free(text);
	return 0;
}
