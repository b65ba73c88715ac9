/* SPDX-License-Identifier: MIT
 * cli/opts.c: command-line options from one table per verb.
 *
 * A verb describes its options once, as an array of struct cli_opt
 * (cli/cli.h); getopt_long(3) parses from it and --help is printed from
 * it, so an option that parses is documented and the other way round.
 * Every option with a value takes it as "--name VALUE" or "--name=VALUE"
 * ("-k VALUE" or "-kVALUE" when it has a letter).  Long options are not
 * abbreviated: "--dat" is unknown, so an option added later never
 * changes what an older command line means.
 */
#define _GNU_SOURCE
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* Column where the help text starts, as in the hand-written help before. */
#define HELP_COLUMN 29

static int is_letter_key(int key)
{
	return key > 0 && key < 0x80;
}

static int optional_value(const struct cli_opt *o)
{
	return o->arg && o->arg[0] == '[';
}

/* Do options O and P (P after O) clash: the same long name, or the same
 * key for two options (an alias, help NULL, shares its option's key)? */
static int clash(const struct cli_opt *o, const struct cli_opt *p)
{
	return !strcmp(o->name, p->name) || (o->key == p->key && p->help);
}

/* A clash in the tables is a bug in covrun; so is an alias that does not
 * follow the option it names. */
static void check_tables(const struct cli_opt *const *tables, size_t n)
{
	for (size_t t = 0; t < n; t++)
		for (const struct cli_opt *o = tables[t]; o->key; o++) {
			if (!o->help && (o == tables[t] || o[-1].key != o->key))
				CR_BUG("option '--%s': alias of nothing",
				       o->name);
			for (const struct cli_opt *p = o + 1; p->key; p++)
				if (clash(o, p))
					CR_BUG("option '--%s' twice", p->name);
			for (size_t u = t + 1; u < n; u++)
				for (const struct cli_opt *p = tables[u];
				     p->key; p++)
					if (clash(o, p))
						CR_BUG("option '--%s' twice",
						       p->name);
		}
}

void cli_parser_init(struct cli_parser *p, const char *verb, int in_order,
		     const struct cli_opt *table, const struct cli_opt *more)
{
	size_t nlong = 0, nshort = 0;
	struct option *lo;
	char *so;

	memset(p, 0, sizeof(*p));
	p->verb = verb;
	p->tables[0] = table;
	p->tables[1] = more;
	p->ntables = more ? 2 : 1;
	check_tables(p->tables, p->ntables);
	for (size_t t = 0; t < p->ntables; t++)
		for (const struct cli_opt *o = p->tables[t]; o->key; o++)
			nlong++;
	lo = p->longopts = cr_xcalloc(nlong + 1, sizeof(*lo));
	/* "+" stops at the first non-option (run: the command's own options
	 * are its own); "-" returns operands in order, among the options,
	 * whatever POSIXLY_CORRECT says; ":" tells a missing value from an
	 * unknown option */
	so = p->shortopts = cr_xcalloc(3 * nlong + 3, 1);
	so[nshort++] = in_order ? '+' : '-';
	so[nshort++] = ':';
	for (size_t t = 0; t < p->ntables; t++)
		for (const struct cli_opt *o = p->tables[t]; o->key; o++) {
			lo->name = o->name;
			lo->has_arg = !o->arg ? no_argument
				      : optional_value(o) ? optional_argument
							  : required_argument;
			lo->val = o->key;
			lo++;
			if (!is_letter_key(o->key) || !o->help)
				continue;
			so[nshort++] = (char)o->key;
			if (o->arg)
				so[nshort++] = ':';
			if (optional_value(o))
				so[nshort++] = ':';
		}
	optind = 0; /* a fresh scan (glibc): each verb parses once */
	opterr = 0; /* our messages, one line each, naming the option */
}

void cli_parser_release(struct cli_parser *p)
{
	free(p->longopts);
	free(p->shortopts);
}

/* The argument that held the option getopt_long just returned. */
static const char *option_word(char **argv)
{
	if (optarg && optind >= 2 && optarg == argv[optind - 1])
		return argv[optind - 2]; /* "--name VALUE", "-k VALUE" */
	return argv[optind - 1];
}

/* Is WORD ("--name" or "--name=VALUE") the whole long name NAME? */
static int whole_name(const char *word, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(word + 2, name, n) &&
	       (word[2 + n] == '\0' || word[2 + n] == '=');
}

/* Is KEY an option of P?  With WORD (a long option as given), is WORD
 * its whole name (or an alias's)? */
static int known_key(const struct cli_parser *p, int key, const char *word)
{
	for (size_t t = 0; t < p->ntables; t++)
		for (const struct cli_opt *o = p->tables[t]; o->key; o++)
			if (o->key == key && (!word || whole_name(word, o->name)))
				return 1;
	return 0;
}

/* One line naming the option, for what getopt_long refused (C is '?' or
 * ':').  A long option is always a whole argument, the last one read; a
 * letter may sit in a cluster ("-qx"), so it is named alone. */
static int usage_error(const struct cli_parser *p, char **argv, int c)
{
	const char *word = argv[optind - 1];
	int is_long = !strncmp(word, "--", 2);

	if (is_long && optopt && !known_key(p, optopt, word))
		errorf("unknown option '%s' (see 'covrun %s --help'; options "
		       "are not abbreviated)", word, p->verb);
	else if (c == ':' && is_long)
		errorf("option '%s' needs a value", word);
	else if (c == ':')
		errorf("option '-%c' needs a value", optopt);
	else if (optopt && known_key(p, optopt, NULL)) /* "--force=1" */
		errorf("option '%.*s' takes no value",
		       (int)strcspn(word, "="), word);
	else if (optopt) /* not one of our letters */
		errorf("unknown option '-%c' (see 'covrun %s --help')",
		       optopt, p->verb);
	else
		errorf("unknown option '%s' (see 'covrun %s --help')", word,
		       p->verb);
	return -1;
}

int cli_parser_next(struct cli_parser *p, int argc, char **argv,
		    const char **value)
{
	int index = -1;
	int c = getopt_long(argc, argv, p->shortopts, p->longopts, &index);

	*value = optarg;
	if (c == -1) {
		p->next = optind;
		return 0;
	}
	if (c == '?' || c == ':')
		return usage_error(p, argv, c);
	if (index >= 0 && !whole_name(option_word(argv),
				      p->longopts[index].name)) {
		errorf("unknown option '%s' (see 'covrun %s --help'; options "
		       "are not abbreviated)", option_word(argv), p->verb);
		return -1;
	}
	return c;
}

/* "  -d, --data-dir DIR" (and ", --alias DIR" for each alias). */
static const struct cli_opt *help_names(struct cr_buf *b,
					const struct cli_opt *o)
{
	if (is_letter_key(o->key))
		cr_buf_addf(b, "  -%c, ", o->key);
	else
		cr_buf_adds(b, "      ");
	for (;;) {
		cr_buf_addf(b, "--%s", o->name);
		if (o->arg)
			cr_buf_addf(b, "%s%s", optional_value(o) ? "" : " ",
				    o->arg);
		if (o[1].key == 0 || o[1].help)
			return o;
		o++;
		cr_buf_adds(b, ", ");
	}
}

void cli_help(FILE *out, const struct cli_opt *table)
{
	struct cr_buf b;

	cr_buf_init(&b);
	for (const struct cli_opt *o = table; o->key; o++) {
		const char *text = o->help;
		cr_buf_reset(&b);
		o = help_names(&b, o);
		if (b.len + 1 > HELP_COLUMN) { /* the text goes below */
			fprintf(out, "%s\n", b.buf);
			cr_buf_reset(&b);
		}
		for (;;) {
			int len = (int)strcspn(text, "\n");
			fprintf(out, "%-*s%.*s\n", HELP_COLUMN, b.buf, len,
				text);
			cr_buf_reset(&b);
			if (!text[len])
				break;
			text += len + 1;
		}
	}
	cr_buf_release(&b);
}

int cli_match(const struct cli_opt *table, const char *word)
{
	for (const struct cli_opt *o = table; o->key; o++) {
		int is_long = !strncmp(word, "--", 2) &&
			      !strcmp(word + 2, o->name);
		int is_letter = is_letter_key(o->key) && word[0] == '-' &&
				word[1] == o->key && !word[2];
		if (is_long || is_letter)
			return o->key;
	}
	return 0;
}
