<?php
/**
 * The events list: WP_List_Table over the outbox, with filters and search.
 *
 * Every value from the request is either matched against a fixed list
 * (status, order, orderby) or passed to $wpdb->prepare (type, endpoint, search).
 *
 * @package Waybill
 */

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( 'WP_List_Table' ) ) {
	require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
}

/**
 * Lists outbox rows.
 */
class Waybill_Events_Table extends WP_List_Table {

	const PER_PAGE = 50;

	/** Columns that may be sorted, mapped to SQL. */
	const SORTABLE = array(
		'created_at'      => 'created_at',
		'next_attempt_at' => 'next_attempt_at',
		'attempts'        => 'attempts',
		'event_type'      => 'event_type',
		'status'          => 'status',
	);

	/**
	 * Sets the list's names.
	 */
	public function __construct() {
		parent::__construct(
			array(
				'singular' => 'waybill_event',
				'plural'   => 'waybill_events',
				'ajax'     => false,
			)
		);
	}

	/**
	 * Columns.
	 *
	 * @return array
	 */
	public function get_columns() {
		return array(
			'cb'              => '<input type="checkbox" />',
			'idempotency_key' => __( 'Event', 'waybill' ),
			'event_type'      => __( 'Type', 'waybill' ),
			'endpoint_id'     => __( 'Endpoint', 'waybill' ),
			'status'          => __( 'Status', 'waybill' ),
			'attempts'        => __( 'Attempts', 'waybill' ),
			'last_error_code' => __( 'Last error', 'waybill' ),
			'created_at'      => __( 'Captured (UTC)', 'waybill' ),
			'next_attempt_at' => __( 'Next attempt (UTC)', 'waybill' ),
		);
	}

	/**
	 * Sortable columns.
	 *
	 * @return array
	 */
	protected function get_sortable_columns() {
		$columns = array();
		foreach ( array_keys( self::SORTABLE ) as $column ) {
			$columns[ $column ] = array( $column, 'created_at' === $column );
		}
		return $columns;
	}

	/**
	 * Bulk actions.
	 *
	 * @return array
	 */
	protected function get_bulk_actions() {
		return array( 'replay' => __( 'Replay', 'waybill' ) );
	}

	/**
	 * The filter values from the request, validated.
	 *
	 * @return array status, type, endpoint, search, orderby, order, paged.
	 */
	public static function filters() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only list filters.
		$get    = wp_unslash( $_GET );
		$status = isset( $get['status'] ) && is_string( $get['status'] ) && in_array( $get['status'], Waybill_Outbox::STATUSES, true ) ? $get['status'] : '';
		$order  = isset( $get['order'] ) && is_string( $get['order'] ) && 'asc' === strtolower( $get['order'] ) ? 'ASC' : 'DESC';
		$by     = isset( $get['orderby'] ) && is_string( $get['orderby'] ) && isset( self::SORTABLE[ $get['orderby'] ] ) ? self::SORTABLE[ $get['orderby'] ] : 'created_at';
		// phpcs:enable
		return array(
			'status'   => $status,
			'type'     => isset( $get['event_type'] ) && is_string( $get['event_type'] ) ? substr( $get['event_type'], 0, 100 ) : '',
			'endpoint' => isset( $get['endpoint'] ) && is_string( $get['endpoint'] ) ? substr( $get['endpoint'], 0, 64 ) : '',
			'search'   => isset( $get['s'] ) && is_string( $get['s'] ) ? substr( trim( $get['s'] ), 0, 191 ) : '',
			'orderby'  => $by,
			'order'    => $order,
			'paged'    => isset( $get['paged'] ) && is_scalar( $get['paged'] ) ? max( 1, (int) $get['paged'] ) : 1,
		);
	}

	/**
	 * The WHERE clause and its values for a set of filters.
	 *
	 * @param array $filters From filters().
	 * @return array{0: string, 1: array}
	 */
	public static function where( array $filters ) {
		global $wpdb;
		$where  = array( '1=1' );
		$values = array();
		if ( 'retrying' === $filters['status'] ) {
			$where[]  = 'status = %s AND attempts > 0';
			$values[] = Waybill_Outbox::PENDING;
		} elseif ( 'pending' === $filters['status'] ) {
			$where[]  = 'status = %s AND attempts = 0';
			$values[] = Waybill_Outbox::PENDING;
		} elseif ( '' !== $filters['status'] ) {
			$where[]  = 'status = %s';
			$values[] = $filters['status'];
		}
		if ( '' !== $filters['type'] ) {
			$where[]  = 'event_type = %s';
			$values[] = $filters['type'];
		}
		if ( '' !== $filters['endpoint'] ) {
			$where[]  = 'endpoint_id = %s';
			$values[] = $filters['endpoint'];
		}
		if ( '' !== $filters['search'] ) {
			$where[]  = '(idempotency_key LIKE %s OR entity_id = %s)';
			$values[] = '%' . $wpdb->esc_like( $filters['search'] ) . '%';
			$values[] = $filters['search'];
		}
		return array( implode( ' AND ', $where ), $values );
	}

	/**
	 * Loads the current page of rows.
	 */
	public function prepare_items() {
		global $wpdb;
		$table   = Waybill_Schema::table( 'events' );
		$filters = self::filters();
		list( $where, $values ) = self::where( $filters );

		$total = (int) $wpdb->get_var( $values ? $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE {$where}", $values ) : "SELECT COUNT(*) FROM {$table} WHERE {$where}" ); // phpcs:ignore WordPress.DB.PreparedSQL
		$offset = ( $filters['paged'] - 1 ) * self::PER_PAGE;

		$this->items = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT id, idempotency_key, event_type, endpoint_id, status, attempts, last_error_code, last_http_status, created_at, next_attempt_at FROM {$table} WHERE {$where} ORDER BY {$filters['orderby']} {$filters['order']}, id {$filters['order']} LIMIT %d OFFSET %d", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- orderby and order are whitelisted.
				array_merge( $values, array( self::PER_PAGE, $offset ) )
			)
		);
		$this->_column_headers = array( $this->get_columns(), array(), $this->get_sortable_columns(), 'idempotency_key' );
		$this->set_pagination_args(
			array(
				'total_items' => $total,
				'per_page'    => self::PER_PAGE,
			)
		);
	}

	/**
	 * Status views with counts.
	 *
	 * @return array
	 */
	protected function get_views() {
		$counts  = Waybill_Outbox::counts();
		$current = self::filters()['status'];
		$base    = admin_url( 'admin.php?page=waybill' );
		$views   = array(
			'all' => sprintf( '<a href="%s"%s>%s</a>', esc_url( $base ), '' === $current ? ' class="current"' : '', esc_html__( 'All', 'waybill' ) ),
		);
		foreach ( $counts as $status => $count ) {
			$views[ $status ] = sprintf(
				'<a href="%s"%s>%s <span class="count">(%d)</span></a>',
				esc_url( add_query_arg( 'status', $status, $base ) ),
				$status === $current ? ' class="current"' : '',
				esc_html( self::status_label( $status ) ),
				(int) $count
			);
		}
		return $views;
	}

	/**
	 * Type and endpoint drop-downs.
	 *
	 * @param string $which top or bottom.
	 */
	protected function extra_tablenav( $which ) {
		global $wpdb;
		if ( 'top' !== $which ) {
			return;
		}
		$table   = Waybill_Schema::table( 'events' );
		$filters = self::filters();
		$types   = $wpdb->get_col( "SELECT DISTINCT event_type FROM {$table} ORDER BY event_type LIMIT 100" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		echo '<div class="alignleft actions">';
		echo '<label class="screen-reader-text" for="waybill-filter-type">' . esc_html__( 'Filter by type', 'waybill' ) . '</label>';
		echo '<select name="event_type" id="waybill-filter-type"><option value="">' . esc_html__( 'All types', 'waybill' ) . '</option>';
		foreach ( $types as $type ) {
			printf( '<option value="%s"%s>%s</option>', esc_attr( $type ), selected( $type, $filters['type'], false ), esc_html( $type ) );
		}
		echo '</select>';
		echo '<label class="screen-reader-text" for="waybill-filter-endpoint">' . esc_html__( 'Filter by endpoint', 'waybill' ) . '</label>';
		echo '<select name="endpoint" id="waybill-filter-endpoint"><option value="">' . esc_html__( 'All endpoints', 'waybill' ) . '</option>';
		foreach ( Waybill_Endpoints::all() as $id => $endpoint ) {
			printf( '<option value="%s"%s>%s</option>', esc_attr( $id ), selected( $id, $filters['endpoint'], false ), esc_html( $endpoint['name'] ) );
		}
		echo '</select>';
		if ( '' !== $filters['status'] ) {
			printf( '<input type="hidden" name="status" value="%s">', esc_attr( $filters['status'] ) );
		}
		submit_button( __( 'Filter', 'waybill' ), '', 'filter_action', false );
		echo '</div>';
	}

	/**
	 * Checkbox column.
	 *
	 * @param object $item Row.
	 * @return string
	 */
	protected function column_cb( $item ) {
		return sprintf( '<input type="checkbox" name="event_ids[]" value="%d" />', (int) $item->id );
	}

	/**
	 * The key, linking to the detail view, with row actions.
	 *
	 * @param object $item Row.
	 * @return string
	 */
	protected function column_idempotency_key( $item ) {
		$view    = add_query_arg( array( 'page' => 'waybill', 'event' => (int) $item->id ), admin_url( 'admin.php' ) );
		$actions = array( 'view' => sprintf( '<a href="%s">%s</a>', esc_url( $view ), esc_html__( 'View', 'waybill' ) ) );
		if ( in_array( $item->status, array( Waybill_Outbox::DEAD, Waybill_Outbox::PENDING, Waybill_Outbox::DELIVERED ), true ) ) {
			$actions['replay'] = sprintf( '<a href="%s">%s</a>', esc_url( Waybill_Admin::replay_url( (int) $item->id ) ), esc_html__( 'Replay', 'waybill' ) );
		}
		return sprintf( '<a href="%s"><code>%s</code></a>', esc_url( $view ), Waybill_Admin::esc_raw( $item->idempotency_key ) ) . $this->row_actions( $actions );
	}

	/**
	 * Status label.
	 *
	 * @param object $item Row.
	 * @return string
	 */
	protected function column_status( $item ) {
		$status = ( Waybill_Outbox::PENDING === $item->status && (int) $item->attempts > 0 ) ? 'retrying' : $item->status;
		return sprintf( '<span class="waybill-status waybill-status-%s">%s</span>', esc_attr( $status ), esc_html( self::status_label( $status ) ) );
	}

	/**
	 * Any other column.
	 *
	 * @param object $item        Row.
	 * @param string $column_name Column.
	 * @return string
	 */
	protected function column_default( $item, $column_name ) {
		if ( 'endpoint_id' === $column_name && '' === $item->endpoint_id ) {
			return '&mdash;';
		}
		return Waybill_Admin::esc_raw( isset( $item->$column_name ) ? (string) $item->$column_name : '' );
	}

	/**
	 * Text when nothing matches.
	 */
	public function no_items() {
		esc_html_e( 'No events match.', 'waybill' );
	}

	/**
	 * A status in words.
	 *
	 * @param string $status Status.
	 * @return string
	 */
	public static function status_label( $status ) {
		$labels = array(
			'pending'   => __( 'Pending', 'waybill' ),
			'retrying'  => __( 'Retrying', 'waybill' ),
			'sending'   => __( 'Sending', 'waybill' ),
			'delivered' => __( 'Delivered', 'waybill' ),
			'dead'      => __( 'Failed', 'waybill' ),
			'held'      => __( 'No endpoint', 'waybill' ),
		);
		return isset( $labels[ $status ] ) ? $labels[ $status ] : $status;
	}
}
