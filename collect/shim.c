int covrun_placeholder;
